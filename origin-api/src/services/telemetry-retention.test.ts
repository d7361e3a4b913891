import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger, emptyStats, STATS_BUCKET_MS } from "../../../core/index.ts";
import { STATS_TABLES } from "../store/invocation-stats-store.ts";
import { Store } from "../store/index.ts";
import { STATS_RETENTION_MS, TelemetryRetention } from "./telemetry-retention.ts";

const HOUR = 60 * 60_000;
const DAY = 24 * HOUR;

test("a sweep deletes aggregates older than 25 hours and logs older than the retention, nothing newer", () => {
  const dir = mkdtempSync(join(tmpdir(), "bunbase-retention-"));
  const store = Store.open(dir);
  try {
    store.functions.insert("fn_a", "a", {});
    const now = Math.floor(Date.now() / STATS_BUCKET_MS) * STATS_BUCKET_MS;
    for (const age of [26 * HOUR, 24 * HOUR]) {
      const stats = { ...emptyStats("fn_a", "http", now - age), invocations: 1, codes: { FN_002: 1 } };
      store.invocationStats.add({ ...stats, durationHist: { 5: 1 }, maxConcurrency: 1 }, "node");
    }
    for (const age of [3 * DAY, 1 * DAY]) {
      store.telemetry.recordLog({
        time: new Date(now - age).toISOString(),
        level: "info",
        message: `${age / DAY} days old`,
        invocationId: "inv",
        functionId: "fn_a",
        version: 1,
      });
    }
    const retention = new TelemetryRetention({ store, log: createLogger("test"), logRetentionDays: 2 });
    assert.equal(retention.sweep(now), 1);
    for (const table of STATS_TABLES) {
      const old = store.db.prepare(`SELECT 1 FROM ${table} WHERE bucket_start < ?`).get(now - STATS_RETENTION_MS);
      assert.equal(old, undefined, table);
      assert.ok(store.db.prepare(`SELECT 1 FROM ${table} WHERE bucket_start = ?`).get(now - 24 * HOUR), table);
    }
    const logs = store.telemetry.queryLogs({ functionId: "fn_a", limit: 10 }).map((l) => l.message);
    assert.deepEqual(logs, ["1 days old"]);
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
