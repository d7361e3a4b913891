/**
 * Scenario: `while (true) {}` under `timeout: 1`, both straight away and after awaiting a
 * host timer (isolated-vm's own `timeout` does not stop code that resumes after awaiting a
 * host promise: only the host-side watchdog does). Each must be a 504 FN_002 within a few
 * seconds, and the edge process must keep serving.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { assertHostSurvived, deployHandler, expectFailure, timed, usePlatform } from "./harness.ts";

const platform = usePlatform();

test("while(true){} with timeout 1 is FN_002 within seconds; the node survives", async () => {
  const { p, host } = platform();
  await deployHandler(
    p,
    "spin",
    `export async function handler(req: Request) {
      if (new URL(req.url).searchParams.has("after-await")) await new Promise((r) => setTimeout(r, 10));
      while (true) {}
    }`,
    { timeout: 1 },
  );
  for (const path of ["/spin", "/spin?after-await"]) {
    const { res, ms } = await timed(() => p.edge(path));
    await expectFailure(res, ["FN_002"]);
    assert.ok(ms < 5000, `${path} took ${ms} ms under a 1 s timeout`);
    await assertHostSurvived(p, host);
  }
});
