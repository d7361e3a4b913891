/**
 * Scenario: a handler awaits a promise that never settles (nothing is running, so no
 * CPU-time limit can catch it), and a handler that answers at once but hands
 * `ctx.waitUntil` a promise that never settles. The first must be a 504 FN_002 within a
 * few seconds of its 1 s timeout; the second must answer 200, its leftover work must be cut
 * off by the same timeout, and the function must keep serving.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { assertHostSurvived, deployHandler, expectFailure, timed, usePlatform } from "./harness.ts";

const platform = usePlatform();

test("a never-settling promise is FN_002; a never-settling waitUntil is cut off", async () => {
  const { p, host } = platform();
  await deployHandler(
    p,
    "hang",
    `export async function handler(req: Request, ctx: { waitUntil(p: Promise<unknown>): void }) {
      const mode = new URL(req.url).searchParams.get("mode");
      if (mode === "wait-until") {
        ctx.waitUntil(new Promise(() => {}));
        return new Response("answered");
      }
      if (mode === "ok") return new Response("ok");
      await new Promise(() => {});
    }`,
    { timeout: 1 },
  );
  const { res, ms } = await timed(() => p.edge("/hang"));
  await expectFailure(res, ["FN_002"]);
  assert.ok(ms < 5000, `the hang took ${ms} ms under a 1 s timeout`);

  const answered = await p.edge("/hang?mode=wait-until");
  assert.equal(answered.status, 200);
  assert.equal(await answered.text(), "answered");
  // Its leftover work ends with the timeout: the function serves again within seconds.
  const { res: next, ms: nextMs } = await timed(() => p.edge("/hang?mode=ok"));
  assert.equal(next.status, 200);
  assert.equal(await next.text(), "ok");
  assert.ok(nextMs < 5000, `the next request waited ${nextMs} ms behind a stuck waitUntil`);
  await assertHostSurvived(p, host);
});
