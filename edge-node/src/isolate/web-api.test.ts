import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { collectingPool, evaluate, limits, request, source, text } from "./test-support.ts";

const { pool } = collectingPool();
after(() => pool.close());

describe("web platform inside the isolate", () => {
  it("parses URLs and search params", async () => {
    const result = await evaluate(
      pool,
      `
      const url = new URL("/a/b?x=1&y=two#h", "https://user@example.com:8443");
      url.searchParams.append("z", "3 4");
      return { host: url.host, path: url.pathname, x: url.searchParams.get("x"), href: url.href,
        form: new URLSearchParams({ a: "1", b: "x y" }).toString() };`,
    );
    assert.deepEqual(result, {
      host: "example.com:8443",
      path: "/a/b",
      x: "1",
      href: "https://user@example.com:8443/a/b?x=1&y=two&z=3+4#h",
      form: "a=1&b=x+y",
    });
  });

  it("keeps Headers case-insensitive with multiple values and set-cookie apart", async () => {
    const result = await evaluate(
      pool,
      `
      const h = new Headers({ "Content-Type": "text/plain" });
      h.append("Accept", "a"); h.append("accept", "b");
      h.append("Set-Cookie", "a=1"); h.append("set-cookie", "b=2");
      h.set("X-One", "1"); h.delete("x-one");
      let threw = false; try { h.append("bad name", "x"); } catch (e) { threw = e instanceof TypeError; }
      return { accept: h.get("ACCEPT"), cookies: h.getSetCookie(), has: h.has("content-type"), gone: h.get("x-one"),
        entries: [...h], threw };`,
    );
    assert.deepEqual(result, {
      accept: "a, b",
      cookies: ["a=1", "b=2"],
      has: true,
      gone: null,
      entries: [
        ["accept", "a, b"],
        ["content-type", "text/plain"],
        ["set-cookie", "a=1"],
        ["set-cookie", "b=2"],
      ],
      threw: true,
    });
  });

  it("reads Request bodies as json and text, once", async () => {
    const fn = source(`export async function handler(req) {
      const copy = req.clone();
      const json = await req.json();
      let again = false; try { await req.text(); } catch (e) { again = e instanceof TypeError; }
      return Response.json({ json, text: await copy.text(), used: req.bodyUsed, again, type: req.headers.get("content-type") });
    }`);
    const body = new TextEncoder().encode(JSON.stringify({ a: [1, 2] }));
    const { result } = await pool.invokeHttp(
      fn,
      limits,
      request({ method: "POST", body, headers: [["content-type", "application/json"]] }),
    );
    assert.deepEqual(JSON.parse(text(result.body)), {
      json: { a: [1, 2] },
      text: '{"a":[1,2]}',
      used: true,
      again: true,
      type: "application/json",
    });
  });

  it("builds Responses: json, redirect, streams, bytes, clone, status checks", async () => {
    const result = await evaluate(
      pool,
      `
      const json = Response.json({ ok: 1 }, { status: 201 });
      const redirect = Response.redirect("https://example.com/next", 307);
      const stream = new Response(new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode("st")); c.enqueue(new TextEncoder().encode("ream")); c.close(); } }));
      const bytes = new Response(new Uint8Array([104, 105]));
      const params = new Response(new URLSearchParams("a=1"));
      const clone = bytes.clone();
      let range = false; try { new Response("x", { status: 700 }); } catch (e) { range = e instanceof RangeError; }
      return { status: json.status, ct: json.headers.get("content-type"), json: await json.json(),
        redirect: [redirect.status, redirect.headers.get("location")], stream: await stream.text(),
        bytes: Array.from(await bytes.bytes()), clone: await clone.text(), params: params.headers.get("content-type"),
        hasBody: bytes.body !== null, error: Response.error().type, range };`,
    );
    assert.deepEqual(result, {
      status: 201,
      ct: "application/json",
      json: { ok: 1 },
      redirect: [307, "https://example.com/next"],
      stream: "stream",
      bytes: [104, 105],
      clone: "hi",
      params: "application/x-www-form-urlencoded;charset=UTF-8",
      hasBody: true,
      error: "error",
      range: true,
    });
  });

  it("round-trips TextEncoder/TextDecoder, atob/btoa and structuredClone", async () => {
    const result = await evaluate(
      pool,
      `
      const bytes = new TextEncoder().encode("héllo €");
      const clone = structuredClone({ m: new Map([["a", 1]]), d: new Date(0), s: new Set([1]) });
      return { len: bytes.length, back: new TextDecoder().decode(bytes), b64: btoa("hello"), plain: atob("aGVsbG8="),
        map: clone.m instanceof Map && clone.m.get("a"), date: clone.d instanceof Date && clone.d.getTime(), set: clone.s.has(1) };`,
    );
    assert.deepEqual(result, { len: 10, back: "héllo €", b64: "aGVsbG8=", plain: "hello", map: 1, date: 0, set: true });
  });

  it("fires timers in order and never fires cleared ones", async () => {
    const result = await evaluate(
      pool,
      `
      const order = [];
      setTimeout(() => order.push("30"), 30);
      setTimeout(() => order.push("0"), 0);
      const cleared = setTimeout(() => order.push("cleared"), 5);
      clearTimeout(cleared);
      queueMicrotask(() => order.push("micro"));
      let ticks = 0;
      await new Promise((resolve) => {
        const interval = setInterval(() => { ticks += 1; if (ticks === 3) { clearInterval(interval); resolve(); } }, 5);
      });
      // Registered after "30", so it fires after it; a cleared interval stays quiet meanwhile.
      await new Promise((resolve) => setTimeout(resolve, 40));
      return { order, ticks };`,
    );
    assert.deepEqual(result, { order: ["micro", "0", "30"], ticks: 3 });
  });

  it("offers crypto.randomUUID and getRandomValues with the spec's quota", async () => {
    const result = (await evaluate(
      pool,
      `
      const a = crypto.getRandomValues(new Uint8Array(32));
      let quota = ""; try { crypto.getRandomValues(new Uint8Array(65537)); } catch (e) { quota = e.name; }
      return { uuids: [crypto.randomUUID(), crypto.randomUUID()], nonZero: a.some((b) => b !== 0), quota, now: typeof performance.now() };`,
    )) as {
      uuids: string[];
      nonZero: boolean;
      quota: string;
      now: string;
    };
    for (const uuid of result.uuids)
      assert.match(uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.notEqual(result.uuids[0], result.uuids[1]);
    assert.deepEqual(
      { nonZero: result.nonZero, quota: result.quota, now: result.now },
      { nonZero: true, quota: "QuotaExceededError", now: "number" },
    );
  });

  it("exposes process.env as a read-only view of the invocation's env, and nothing else on process", async () => {
    const result = await evaluate(
      pool,
      `
      let threw = false; try { process.env.SECRET = "x"; } catch (e) { threw = e instanceof TypeError; }
      let deleted = false; try { delete process.env.SECRET; } catch (e) { deleted = e instanceof TypeError; }
      return { value: process.env.SECRET, keys: Object.keys(process.env), threw, deleted, process: Object.keys(process),
        frozen: Object.isFrozen(process), json: JSON.stringify(process.env) };`,
      { SECRET: "s3" },
    );
    assert.deepEqual(result, {
      value: "s3",
      keys: ["SECRET"],
      threw: true,
      deleted: true,
      process: ["env"],
      frozen: true,
      json: '{"SECRET":"s3"}',
    });
  });

  it("offers AbortController, AbortSignal.timeout and request.signal", async () => {
    const result = await evaluate(
      pool,
      `
      const controller = new AbortController();
      const seen = [];
      controller.signal.addEventListener("abort", () => seen.push("listener"), { once: true });
      controller.signal.onabort = () => seen.push("onabort");
      controller.abort(new Error("stop"));
      controller.abort();
      let thrown = ""; try { controller.signal.throwIfAborted(); } catch (e) { thrown = e.message; }
      const timeout = AbortSignal.timeout(5);
      await new Promise((resolve) => timeout.addEventListener("abort", resolve));
      return { seen, aborted: controller.signal.aborted, thrown, timeout: timeout.reason.name,
        requestSignal: new Request("https://x.test/").signal.aborted };`,
    );
    assert.deepEqual(result, {
      seen: ["onabort", "listener"],
      aborted: true,
      thrown: "stop",
      timeout: "TimeoutError",
      requestSignal: false,
    });
  });

  it("has AbortSignal.any: the first reason, at once when already aborted, through chains", async () => {
    const result = await evaluate(
      pool,
      `
      const a = new AbortController(), b = new AbortController();
      const any = AbortSignal.any([a.signal, b.signal]);
      const chained = AbortSignal.any([any]);
      const order = [];
      any.addEventListener("abort", () => order.push(["any", chained.aborted]));
      chained.onabort = () => order.push(["chained", chained.reason]);
      b.abort("b first"); a.abort("a later");
      const early = AbortSignal.any([new AbortController().signal, AbortSignal.abort("already"), AbortSignal.abort("second")]);
      let bad = ""; try { AbortSignal.any([a.signal, {}]); } catch (e) { bad = e.name; }
      const timed = AbortSignal.any([AbortSignal.timeout(5), new AbortController().signal]);
      await new Promise((resolve) => timed.addEventListener("abort", resolve));
      const throwing = new AbortController();
      const both = AbortSignal.any([throwing.signal]);
      let heard = false; both.addEventListener("abort", () => (heard = true));
      throwing.signal.addEventListener("abort", () => { throw new Error("listener"); });
      let rethrown = ""; try { throwing.abort(); } catch (e) { rethrown = e.message; }
      return { reason: any.reason, order, early: [early.aborted, early.reason], empty: AbortSignal.any([]).aborted,
        bad, timed: timed.reason.name, heard, rethrown };`,
    );
    assert.deepEqual(result, {
      reason: "b first",
      order: [
        ["any", true],
        ["chained", "b first"],
      ],
      early: [true, "already"],
      empty: false,
      bad: "TypeError",
      timed: "TimeoutError",
      heard: true,
      rethrown: "listener",
    });
  });
});
