/**
 * An invocation the runner never saw is counted by the origin itself: no node will report
 * it. Here the runner is not installed (no entry file), so every invoke ends FN_008 before
 * anything is sent.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../../../core/index.ts";
import { Store } from "../store/index.ts";
import { Invoker } from "./invoker.ts";
import { Prometheus } from "./prometheus.ts";
import { Runner } from "./runner.ts";

test("an invoke the runner never saw is counted in the function's metrics and the Prometheus counter", async () => {
  const dir = mkdtempSync(join(tmpdir(), "bunbase-invoker-"));
  const store = Store.open(dir);
  try {
    const log = createLogger("test");
    const runner = new Runner({ nodeKey: "", dataDir: dir, log, entry: join(dir, "no-runner.ts") });
    const prometheus = new Prometheus();
    const invoker = new Invoker(store, runner, prometheus);
    const fn = store.functions.insert("fn_unreached", "unreached", {});
    const v = store.versions.insert({
      functionId: fn.id,
      bundleHash: "0".repeat(64),
      exportName: "handler",
      sizeBytes: 1,
      config: {},
      environment: "prod",
      message: null,
      warnings: [],
    });
    store.versions.activate(fn.id, "prod", v.version, null);
    const before = Date.now();
    for (let i = 0; i < 2; i++) {
      await assert.rejects(invoker.invoke(fn, { environment: "prod", query: "", body: null }), { code: "FN_008" });
    }
    const window = store.invocationStats.window(fn.id, before - 60_000, Date.now() + 10_000, 10_000);
    assert.deepEqual(window.codes, { FN_008: 2 });
    const text = await prometheus.registry.metrics();
    assert.match(text, /bunbase_invocations_reported_total\{trigger="invoke",code="FN_008"\} 2/);
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
