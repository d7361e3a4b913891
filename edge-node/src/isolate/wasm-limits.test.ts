import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { collectingPool, evaluate } from "./test-support.ts";

const { pool } = collectingPool();
after(() => pool.close());

// (module (memory <min> <max>?)) as bytes: header, then section 5 with one memory.
function moduleWithMemory(min: number, max?: number): number[] {
  const leb = (n: number) => {
    const out: number[] = [];
    do {
      let byte = n & 0x7f;
      n >>>= 7;
      if (n) byte |= 0x80;
      out.push(byte);
    } while (n);
    return out;
  };
  const limits = max === undefined ? [0, ...leb(min)] : [1, ...leb(min), ...leb(max)];
  const payload = [1, ...limits];
  return [0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, ...leb(payload.length), ...payload];
}

const attempt = (code: string) => `try { ${code}; return "allowed"; } catch (e) { return e.name + ": " + e.message; }`;

describe("WebAssembly memory is bounded per isolate", () => {
  it("refuses a JS-made memory beyond the budget, and a module declaring one", async () => {
    assert.match(String(await evaluate(pool, attempt("new WebAssembly.Memory({ initial: 16384 })"))), /^RangeError/);
    const bytes = JSON.stringify(moduleWithMemory(16384, 16384));
    assert.match(
      String(await evaluate(pool, attempt(`new WebAssembly.Module(new Uint8Array(${bytes}))`))),
      /RangeError: WebAssembly memory limit exceeded/,
    );
    assert.match(
      String(await evaluate(pool, attempt(`await WebAssembly.instantiate(new Uint8Array(${bytes}))`))),
      /RangeError: WebAssembly memory limit exceeded/,
    );
  });

  it("counts memories against one total: the sum, not each, is bounded", async () => {
    const result = await evaluate(
      pool,
      attempt(`
        globalThis.keepA = new WebAssembly.Memory({ initial: 1, maximum: 1500 });
        globalThis.keepB = new WebAssembly.Memory({ initial: 1, maximum: 1500 });`),
    );
    assert.match(String(result), /^RangeError: WebAssembly memory limit exceeded/);
    await evaluate(pool, "delete globalThis.keepA; delete globalThis.keepB; return null;");
  });

  it("cannot be bypassed through the prototype's constructor or the streaming APIs", async () => {
    const result = await evaluate(
      pool,
      `const m = new WebAssembly.Memory({ initial: 1, maximum: 2 });
       return {
         sameCtor: Object.getPrototypeOf(m).constructor === WebAssembly.Memory,
         instanceOf: m instanceof WebAssembly.Memory,
         viaCtor: (() => { try { new (Object.getPrototypeOf(m).constructor)({ initial: 16384 }); return "allowed"; } catch (e) { return e.name; } })(),
         streaming: typeof WebAssembly.instantiateStreaming,
       };`,
    );
    assert.deepEqual(result, { sameCtor: true, instanceOf: true, viaCtor: "RangeError", streaming: "undefined" });
  });

  it("still runs a module with a small memory", async () => {
    const bytes = JSON.stringify(moduleWithMemory(1, 4));
    const result = await evaluate(
      pool,
      `const { instance } = await WebAssembly.instantiate(new Uint8Array(${bytes}));
       return { ok: instance instanceof WebAssembly.Instance };`,
    );
    assert.deepEqual(result, { ok: true });
  });
});
