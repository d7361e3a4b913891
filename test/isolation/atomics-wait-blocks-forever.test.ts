/**
 * Scenario: `Atomics.wait` on a SharedArrayBuffer nobody will ever notify blocks the
 * isolate's thread outright (no JS runs, no interrupt check in a loop). Under
 * `timeout: 1` it must end as 504 FN_002 within seconds, or, if the platform does not
 * offer SharedArrayBuffer/Atomics.wait, as FN_004 at once; the node must survive.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { assertHostSurvived, deployHandler, expectFailure, timed, usePlatform } from "./harness.ts";

const platform = usePlatform();

test("Atomics.wait forever is cut off by the timeout", async () => {
  const { p, host } = platform();
  await deployHandler(
    p,
    "atomics-wait",
    `export function handler() {
      const cell = new Int32Array(new SharedArrayBuffer(4));
      const result = Atomics.wait(cell, 0, 0);
      return new Response("woke: " + result);
    }`,
    { timeout: 1 },
  );
  const { res, ms } = await timed(() => p.edge("/atomics-wait"));
  const { code, message } = await expectFailure(res, ["FN_002", "FN_004"]);
  console.log(JSON.stringify({ code, message, ms }));
  assert.ok(ms < 5000, `Atomics.wait held the invocation for ${ms} ms under a 1 s timeout`);
  await assertHostSurvived(p, host);
});
