/**
 * Scenario: the loop is in the module's top level, so it runs while the isolate loads the
 * bundle, before any handler exists. The cold start must be cut off as 503 FN_008 (cold
 * start timeout, contract 2.2) within seconds, and the node must keep serving.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { assertHostSurvived, deployHandler, expectFailure, timed, usePlatform } from "./harness.ts";

const platform = usePlatform();

test("an endless loop while the module loads is FN_008 within seconds", async () => {
  const { p, host } = platform();
  await deployHandler(
    p,
    "boot-spin",
    `let spins = 0;
    while (spins >= 0) spins++;
    export const handler = () => new Response("never");`,
    { timeout: 1 },
  );
  for (let i = 0; i < 2; i++) {
    const { res, ms } = await timed(() => p.edge("/boot-spin"));
    await expectFailure(res, ["FN_008"]);
    assert.ok(ms < 5000, `loading took ${ms} ms under a 1 s timeout`);
  }
  await assertHostSurvived(p, host);
});
