import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { emptyStats, STATS_BUCKET_MS } from "../../../core/index.ts";
import { Store } from "./index.ts";

const HOUR = 60 * 60_000;

function withStore(run: (store: Store) => void): void {
  const dir = mkdtempSync(join(tmpdir(), "bunbase-stats-"));
  const store = Store.open(dir);
  try {
    run(store);
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test("a window holds exactly the 10 s buckets starting in it, rollups or not", () => {
  withStore((store) => {
    const now = 1_700_000_123_456; // not aligned to 10 s, 5 min or 1 h
    const first = now - 25 * HOUR - (now % STATS_BUCKET_MS);
    for (let t = first; t <= now; t += STATS_BUCKET_MS) {
      store.invocationStats.add({ ...emptyStats("fn", "http", t), invocations: 1, durationHist: { 1: 1 } }, "n");
    }
    for (const [windowMs, seriesMs] of [
      [24 * HOUR, HOUR],
      [HOUR, 5 * 60_000],
      [5 * 60_000, 30_000],
    ]) {
      const from = now - windowMs;
      const expected = Math.floor(now / STATS_BUCKET_MS) - Math.ceil(from / STATS_BUCKET_MS) + 1;
      const w = store.invocationStats.window("fn", from, now, seriesMs);
      const got = w.series.reduce((n, r) => n + r.invocations, 0);
      assert.equal(got, expected, `window of ${windowMs} ms`);
      assert.equal(
        w.series.reduce((n, r) => n + (r.durationHist[1] ?? 0), 0),
        expected,
      );
      for (const r of w.series) assert.equal(r.t % seriesMs, 0);
    }
  });
});

test("a bucket's peak is the sum of its reporters' peaks; the window's is the largest bucket's", () => {
  withStore((store) => {
    const t = 1_700_000_000_000;
    const add = (reporter: string, maxConcurrency: number, at = t) =>
      store.invocationStats.add({ ...emptyStats("fn", "http", at), invocations: 1, maxConcurrency }, reporter);
    add("a/1", 3);
    add("a/1", 2); // a later piece of the same bucket from the same process
    add("a/2", 4);
    add("a/1", 5, t + STATS_BUCKET_MS);
    for (const seriesMs of [30_000, HOUR]) {
      const w = store.invocationStats.window("fn", t - HOUR, t + HOUR, seriesMs);
      assert.equal(w.peakConcurrency, 7, `series of ${seriesMs} ms`);
      assert.equal(
        w.series.reduce((n, r) => n + r.invocations, 0),
        4,
      );
    }
  });
});
