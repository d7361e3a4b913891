/**
 * The small web globals the runtime defines itself (platform.guest.ts): DOMException,
 * atob/btoa, structuredClone, queueMicrotask, and URL/URLSearchParams loaded on first use.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { collectingPool, evaluate, limits, request, source, text } from "./test-support.ts";

const { pool, logs } = collectingPool();
after(() => pool.close());

describe("runtime-defined web globals", () => {
  it("DOMException has names, legacy codes and constants", async () => {
    const result = await evaluate(
      pool,
      `const e = new DOMException("gone", "AbortError");
      const plain = new DOMException();
      return { name: e.name, message: e.message, code: e.code, isError: e instanceof Error,
        tag: Object.prototype.toString.call(e), plain: [plain.name, plain.message, plain.code],
        constant: DOMException.ABORT_ERR, onInstance: e.TIMEOUT_ERR, unknownCode: new DOMException("x", "Whatever").code };`,
    );
    assert.deepEqual(result, {
      name: "AbortError",
      message: "gone",
      code: 20,
      isError: true,
      tag: "[object DOMException]",
      plain: ["Error", "", 0],
      constant: 20,
      onInstance: 23,
      unknownCode: 0,
    });
  });

  it("atob/btoa follow forgiving-base64 and refuse what the spec refuses", async () => {
    const result = await evaluate(
      pool,
      `const fails = (f) => { try { f(); return null; } catch (e) { return e.name; } };
      return { enc: [btoa(""), btoa("f"), btoa("fo"), btoa("foo"), btoa("\\xff\\xfe")],
        dec: [atob("Zm9v"), atob("Zm8"), atob("Zg=="), atob(" Zm 9v\\n"), atob("")],
        wide: fails(() => btoa("€")), bad: fails(() => atob("Zm9v!")), short: fails(() => atob("Z")),
        badPad: fails(() => atob("Zg=")), none: fails(() => atob()) };`,
    );
    assert.deepEqual(result, {
      enc: ["", "Zg==", "Zm8=", "Zm9v", "//4="],
      dec: ["foo", "fo", "f", "foo", ""],
      wide: "InvalidCharacterError",
      bad: "InvalidCharacterError",
      short: "InvalidCharacterError",
      badPad: "InvalidCharacterError",
      none: "TypeError",
    });
  });

  it("structuredClone copies cycles, maps, dates, typed arrays and refuses functions", async () => {
    const result = await evaluate(
      pool,
      `const a = { n: 1n, d: new Date(5), m: new Map([[1, { x: 1 }]]), bytes: new Uint8Array([1, 2]), re: /a/g };
      a.self = a;
      const b = structuredClone(a);
      let refused = null;
      try { structuredClone({ f() {} }); } catch (e) { refused = [e.name, e instanceof DOMException]; }
      return { cycle: b.self === b, distinct: b !== a, n: String(b.n), d: b.d.getTime(), m: b.m.get(1).x,
        bytes: [...b.bytes], isBytes: b.bytes instanceof Uint8Array, re: String(b.re), refused };`,
    );
    assert.deepEqual(result, {
      cycle: true,
      distinct: true,
      n: "1",
      d: 5,
      m: 1,
      bytes: [1, 2],
      isBytes: true,
      re: "/a/g",
      refused: ["DataCloneError", true],
    });
  });

  it("loads URL on first use, and a user's own URL global wins", async () => {
    const lazy = await evaluate(
      pool,
      `const before = Object.getOwnPropertyDescriptor(globalThis, "URL");
      const ok = new URL("https://example.com/a?b=1").searchParams.get("b");
      const after = Object.getOwnPropertyDescriptor(globalThis, "URL");
      return { accessorFirst: typeof before.get, dataAfter: typeof after.value, enumerable: after.enumerable, ok,
        params: new URLSearchParams("x=1&x=2").getAll("x"), canParse: URL.canParse("nope") };`,
    );
    assert.deepEqual(lazy, {
      accessorFirst: "function",
      dataAfter: "function",
      enumerable: false,
      ok: "1",
      params: ["1", "2"],
      canParse: false,
    });
    // A fresh function: its isolate never loaded the polyfill.
    const own = await evaluate(pool, `globalThis.URL = class Mine {}; return URL.name;`);
    assert.equal(own, "Mine");
  });

  it("gives the handler the host-parsed URL and sends URLSearchParams bodies as forms", async () => {
    const fn = source(`export async function handler(req) {
      const body = new URLSearchParams({ a: "1 2" });
      const echo = await new Request("https://x.test/", { method: "POST", body }).text();
      const type = new Request("https://x.test/", { method: "POST", body }).headers.get("content-type");
      return new Response(JSON.stringify({ url: req.url, echo, type }));
    }`);
    const { result } = await pool.invokeHttp(fn, limits, request({ url: "http://Example.COM:80/a/../b?q=1 2" }));
    assert.deepEqual(JSON.parse(text(result.body as Uint8Array)), {
      url: "http://example.com/b?q=1%202",
      echo: "a=1+2",
      type: "application/x-www-form-urlencoded;charset=UTF-8",
    });
  });

  it("answers FN_006 for a request URL the host cannot parse", async () => {
    const fn = source(`export async function handler() { return new Response("never"); }`);
    await assert.rejects(pool.invokeHttp(fn, limits, request({ url: "http://bad host/" })), { code: "FN_006" });
  });

  it("the module's top-level code sees process.env", async () => {
    const fn = source(`const atLoad = process.env.GREETING;
      export function handler() { return new Response(atLoad + " " + process.env.GREETING); }`);
    const { result } = await pool.invokeHttp(fn, limits, request({ env: { GREETING: "hi" } }));
    assert.equal(text(result.body as Uint8Array), "hi hi");
  });

  it("queueMicrotask runs callbacks in order and logs what they throw", async () => {
    const result = await evaluate(
      pool,
      `const order = [];
      queueMicrotask(() => order.push(1));
      queueMicrotask(() => { throw new Error("micro boom"); });
      queueMicrotask(() => order.push(2));
      order.push(0);
      await null; await null;
      let refused = null; try { queueMicrotask(5); } catch (e) { refused = e.name; }
      return { order, refused };`,
    );
    assert.deepEqual(result, { order: [0, 1, 2], refused: "TypeError" });
    assert.ok(logs.some((log) => log.level === "error" && log.message.includes("micro boom")));
  });
});
