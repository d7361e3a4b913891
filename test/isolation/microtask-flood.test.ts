/**
 * Scenario: a microtask flood. `Promise.resolve().then(f)` recursion, `queueMicrotask`
 * recursion and `await null` recursion never yield back to the event loop, so the timer the
 * handler then awaits never fires. Each must end as FN_002 (the watchdog
 * disposed the isolate) or FN_003 (the queue hit the memory cap) within seconds, and the
 * edge process must keep serving.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { assertHostSurvived, deployHandler, expectFailure, timed, usePlatform } from "./harness.ts";

const platform = usePlatform();

const FLOODS: Record<string, string> = {
  "then-flood": `function f(): void { Promise.resolve().then(f); } f();`,
  "queue-microtask-flood": `function f(): void { queueMicrotask(f); } f();`,
  "await-flood": `const g = async (): Promise<void> => { await null; return g(); }; void g();`,
};

test("microtask floods end as FN_002/FN_003 within seconds; the node survives", async () => {
  const { p, host } = platform();
  const observed: Record<string, string> = {};
  for (const [name, flood] of Object.entries(FLOODS)) {
    await deployHandler(
      p,
      name,
      `export async function handler(req: Request) {
        if (new URL(req.url).searchParams.has("ok")) return new Response("ok");
        ${flood}
        // A timer can only fire once the microtask queue drains, which it never does.
        await new Promise((resolve) => setTimeout(resolve, 10));
        return new Response("returned");
      }`,
      { timeout: 1, memory: 128 },
    );
    const { res, ms } = await timed(() => p.edge(`/${name}`));
    assert.notEqual(res.status, 200, `${name} answered while its microtask queue never drained`);
    observed[name] = (await expectFailure(res, ["FN_002", "FN_003"])).code;
    assert.ok(ms < 8000, `${name} took ${ms} ms under a 1 s timeout`);
    const again = await p.edge(`/${name}?ok`);
    assert.equal(again.status, 200, `${name} did not serve again: ${await again.text()}`);
    await assertHostSurvived(p, host);
  }
  console.log(JSON.stringify(observed));
});
