/**
 * Adversarial: user code trying to reach the host. Each case must fail inside the
 * isolate; the host process must be untouched.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { BRIDGE_GLOBALS, RATE_LIMIT_CALL, RUNTIME_GLOBAL, SDK_CALL } from "./protocol.ts";
import { collectingPool, evaluate, limits, request, source, text } from "./test-support.ts";

const { pool } = collectingPool();
after(() => pool.close());

const INTERNAL = [...Object.values(BRIDGE_GLOBALS), RUNTIME_GLOBAL];

describe("escape attempts", () => {
  it("the Function constructor gives the guest's own globals, not the host process", async () => {
    const result = await evaluate(
      pool,
      `
      const viaThis = (function () { return this; }).constructor.constructor("return process")();
      const viaHandler = handler.constructor.constructor("return typeof globalThis.process.exit")();
      return { keys: Object.keys(viaThis), versions: typeof viaThis.versions, exit: viaHandler,
        require: typeof require, module: typeof module, global: typeof global, Buffer: typeof Buffer };`,
    );
    assert.deepEqual(result, {
      keys: ["env"],
      versions: "undefined",
      exit: "undefined",
      require: "undefined",
      module: "undefined",
      global: "undefined",
      Buffer: "undefined",
    });
  });

  it("no bridge callback or runtime entry is visible on globalThis", async () => {
    const names = (await evaluate(
      pool,
      `return Object.getOwnPropertyNames(globalThis).concat(Object.getOwnPropertySymbols(globalThis).map(String));`,
    )) as string[];
    for (const name of INTERNAL) assert.ok(!names.includes(name), `${name} leaked`);
    // The platform names left are the SDK's capabilities (rateLimit(), the services): frozen
    // objects of the runtime's own (sdk-rate-limit.test.ts, sdk-services.test.ts), not bridges.
    assert.deepEqual(
      names.filter((name) => /bunbase|__/.test(name)).sort(),
      [RATE_LIMIT_CALL.capability, SDK_CALL.capability].sort(),
    );
  });

  it("bridge functions cannot be reached by patching Function.prototype", async () => {
    const result = await evaluate(
      pool,
      `
      const seen = [];
      for (const method of ["call", "apply", "bind"]) {
        const original = Function.prototype[method];
        Function.prototype[method] = function (...args) { seen.push(this); return original.apply ? Reflect.apply(original, this, args) : undefined; };
      }
      console.log("x");
      await new Promise((resolve) => setTimeout(resolve, 1));
      crypto.randomUUID();
      return seen.map((fn) => String(fn).slice(0, 60));`,
    );
    // The runtime calls its captured bridge functions directly, never through call/apply/bind.
    assert.deepEqual(result, []);
  });

  it("user code never gets `gc`, not even after a pool closed (close() forces one GC)", async () => {
    const other = collectingPool();
    await evaluate(other.pool, "return 1;");
    await other.pool.close();
    assert.equal(await evaluate(pool, "return typeof gc;"), "undefined");
    const fresh = collectingPool();
    after(() => fresh.pool.close());
    assert.equal(await evaluate(fresh.pool, "return typeof gc;"), "undefined");
  });

  it("require and import of node: modules are unavailable", async () => {
    const result = await evaluate(
      pool,
      `
      let dynamic = "";
      try { await import("node:fs"); dynamic = "imported"; } catch (e) { dynamic = e.constructor.name; }
      let req = ""; try { require("fs"); } catch (e) { req = e.constructor.name; }
      return { dynamic, req };`,
    );
    assert.deepEqual(result, { dynamic: "Error", req: "ReferenceError" });
    await assert.rejects(
      pool.invokeHttp(
        source(
          `import { readFileSync } from "node:fs"; export const handler = () => new Response(readFileSync("/etc/passwd"));`,
        ),
        limits,
        request(),
      ),
      {
        code: "FN_004",
      },
    );
  });

  it("a guest cannot alter another version's globals (one isolate per instance)", async () => {
    const polluter = source(
      `export function handler() { globalThis.shared = "mine"; Response.prototype.text = () => "hacked"; return new Response("set"); }`,
    );
    const victim = source(
      `export async function handler() { return new Response(String(globalThis.shared) + ":" + await new Response("clean").text()); }`,
    );
    await pool.invokeHttp(polluter, limits, request());
    const { result } = await pool.invokeHttp(victim, limits, request());
    assert.equal(text(result.body), "undefined:clean");
  });
});
