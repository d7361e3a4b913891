/**
 * Scenario: ReDoS. `/^(a+)+$/` against 40 a's and a b backtracks for far longer than the
 * 1 s timeout inside one regexp call (no JS loop to interrupt). It must end as 504 FN_002
 * within seconds, and the node must keep serving.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { assertHostSurvived, deployHandler, expectFailure, timed, usePlatform } from "./harness.ts";

const platform = usePlatform();

test("catastrophic regexp backtracking is FN_002 within seconds", async () => {
  const { p, host } = platform();
  await deployHandler(
    p,
    "redos",
    `export function handler() {
      const matched = /^(a+)+$/.test("a".repeat(40) + "b");
      return new Response("matched: " + matched);
    }`,
    { timeout: 1 },
  );
  const { res, ms } = await timed(() => p.edge("/redos"));
  await expectFailure(res, ["FN_002"]);
  assert.ok(ms < 5000, `the regexp ran ${ms} ms under a 1 s timeout`);
  await assertHostSurvived(p, host);
});
