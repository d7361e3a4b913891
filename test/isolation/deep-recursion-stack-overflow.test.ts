/**
 * Scenario: unbounded recursion. V8 must throw `RangeError: Maximum call stack size
 * exceeded` inside the isolate (the isolate's stack, not the host's): uncaught, a 502
 * FN_004 naming it; caught, an ordinary 200. Also recursion through the platform's own
 * code (a getter that builds a Response) so the overflow happens inside runtime frames.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { assertHostSurvived, deployHandler, expectFailure, usePlatform } from "./harness.ts";

const platform = usePlatform();

test("stack overflow is a RangeError inside the isolate", async () => {
  const { p, host } = platform();
  await deployHandler(
    p,
    "recurse",
    `const down = (n: number): number => down(n + 1) + 1;
    const viaRuntime = (): unknown => new Response(String(viaRuntime()));
    export function handler(req: Request) {
      const mode = new URL(req.url).searchParams.get("mode");
      if (mode === "caught") {
        try { down(0); } catch (error) { return new Response("caught " + (error as Error).name); }
      }
      if (mode === "runtime") viaRuntime();
      return new Response(String(down(0)));
    }`,
  );
  const uncaught = await expectFailure(await p.edge("/recurse"), ["FN_004"]);
  assert.match(uncaught.message, /Maximum call stack size exceeded/);
  const runtime = await expectFailure(await p.edge("/recurse?mode=runtime"), ["FN_004"]);
  assert.match(runtime.message, /Maximum call stack size exceeded/);
  const caught = await p.edge("/recurse?mode=caught");
  assert.equal(caught.status, 200);
  assert.equal(await caught.text(), "caught RangeError");
  await assertHostSurvived(p, host);
});
