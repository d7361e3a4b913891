/**
 * Regression: with BUNBASE_LOG_LEVEL=warn the "listening" lines (written at info) were
 * suppressed, so the launcher never learned the ports and `npm start` hung for a minute.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { startPlatform } from "../helpers/platform.ts";

test("the platform starts with BUNBASE_LOG_LEVEL=warn", async () => {
  const p = await startPlatform({ BUNBASE_LOG_LEVEL: "warn", BUNBASE_EDGE_WORKERS: "2" });
  try {
    assert.equal((await fetch(`${p.originUrl}/health`)).status, 200);
    assert.equal((await p.edge("/__bunbase/health")).status, 200);
    assert.ok(!p.lines.some((line) => line.includes('"level":30') && !line.includes("listening")), "info lines leaked");
  } finally {
    await p.stop();
  }
});
