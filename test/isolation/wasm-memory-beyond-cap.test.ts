/**
 * Scenario: WebAssembly memory under a 128 MB cap. `new WebAssembly.Memory({ initial:
 * 16384 })` is 1 GB of linear memory; filling it commits every page. V8 allocates wasm
 * memory outside the embedder's ArrayBuffer allocator, so isolated-vm's `memoryLimit`
 * may not see it: the platform must still refuse it (FN_003, or FN_004 if the engine
 * throws a RangeError), and the edge process must survive. Answering 200 means one tenant
 * holds 8x its cap in the edge's resident memory.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { assertHostSurvived, deployHandler, expectFailure, usePlatform } from "./harness.ts";

const platform = usePlatform();

test("1 GB of WebAssembly memory under a 128 MB cap is refused", async () => {
  const { p, host } = platform();
  await deployHandler(
    p,
    "wasm-hog",
    `export function handler() {
      const memory = new WebAssembly.Memory({ initial: 16384 });
      new Uint8Array(memory.buffer).fill(1);
      (globalThis as any).keep = memory;
      return new Response("committed " + memory.buffer.byteLength + " bytes");
    }`,
    { memory: 128, timeout: 10 },
  );
  const res = await p.edge("/wasm-hog");
  assert.notEqual(res.status, 200, `a 128 MB function ${await res.clone().text()}`);
  await expectFailure(res, ["FN_003", "FN_004"]);
  await assertHostSurvived(p, host);
});
