/**
 * Scenario: under a 128 MB cap, a function asks for 1 GB at once (ArrayBuffer, Uint8Array)
 * or grows without bound (a 256 MB string repeat, nested JSON.parse of
 * a huge string, array doubling). isolated-vm's memoryLimit is soft and some of these
 * abort a whole process in naive embedders. Each must end as FN_003 (the platform caught
 * the limit) or FN_004 (V8 refused the allocation with a RangeError the function did not
 * catch), never take the edge process down, and the same function must serve again.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { assertHostSurvived, deployHandler, expectFailure, usePlatform } from "./harness.ts";

const platform = usePlatform();

const BOMBS: Record<string, string> = {
  "array-buffer-1gb": `new ArrayBuffer(1 << 30)`,
  "uint8array-1gb": `new Uint8Array(2 ** 30)`,
  // repeat() alone builds a rope of a few cons cells; toUpperCase() materialises all 256 MB.
  "string-repeat-256mb": `"x".repeat(2 ** 28).toUpperCase()`,
  "json-parse-nested": `(() => {
    const keep: unknown[] = [];
    let text = JSON.stringify(Array.from({ length: 1000 }, (_, i) => "item-" + i));
    for (;;) { keep.push(JSON.parse(text)); text = "[" + text + "," + text + "]"; }
  })()`,
  "array-doubling": `(() => { let a: unknown[] = [1, "two", { three: 3 }]; for (;;) a = a.concat(a); })()`,
};

const source = (expression: string) => `
export function handler(req: Request) {
  if (new URL(req.url).searchParams.has("ok")) return new Response("still serving");
  const value: any = ${expression};
  return new Response("allocated " + String(value?.byteLength ?? value?.length));
}`;

test("1 GB allocations and allocation bombs under a 128 MB cap end as FN_003/FN_004", async () => {
  const { p, host } = platform();
  const observed: Record<string, string> = {};
  for (const [name, expression] of Object.entries(BOMBS)) {
    await deployHandler(p, name, source(expression), { memory: 128, timeout: 10 });
    const res = await p.edge(`/${name}`);
    assert.notEqual(res.status, 200, `${name} allocated past the cap: ${await res.clone().text()}`);
    const { code, message } = await expectFailure(res, ["FN_003", "FN_004"]);
    observed[name] = `${code}: ${message}`;
    console.log(`${name}: ${observed[name]}`);
    const again = await p.edge(`/${name}?ok`);
    assert.equal(again.status, 200, `${name} did not serve again: ${await again.clone().text()}`);
    assert.equal(await again.text(), "still serving");
    await assertHostSurvived(p, host);
  }
});
