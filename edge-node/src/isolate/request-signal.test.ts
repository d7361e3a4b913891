import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { collectingPool, request, source, text } from "./test-support.ts";

const { pool } = collectingPool();
after(() => pool.close());

const relaxed = { memoryMb: 128, timeoutMs: 5000 };

/**
 * `/wait` listens on its request's signal and never answers (or streams forever with
 * `stream`); what its listener saw is kept at module scope, and `/seen` answers it, from
 * the same instance, after the first invocation was abandoned.
 */
const watcher = source(`let seen = null;
  let release = () => {};
  export async function handler(req) {
    const path = new URL(req.url).pathname;
    if (path === "/seen") return Response.json(seen);
    if (path === "/release") { release(); return new Response("released"); }
    if (path === "/late") {
      // Reads its signal only after it was abandoned, resumed by another invocation.
      await new Promise((resolve) => (release = resolve));
      seen = { late: req.signal.aborted, name: req.signal.reason?.name };
      return new Response("too late");
    }
    if (path === "/done") { req.signal.addEventListener("abort", () => (seen = "aborted after completion")); return new Response("ok"); }
    req.signal.addEventListener("abort", () => {
      seen = { aborted: req.signal.aborted, name: req.signal.reason.name, message: req.signal.reason.message };
    });
    if (path === "/stream") {
      return new Response(new ReadableStream({ pull: (c) => new Promise((r) => setTimeout(r, 10)).then(() => c.enqueue(new Uint8Array(1))) }));
    }
    await new Promise(() => {});
  }`);

async function seen(): Promise<unknown> {
  const { result } = await pool.invokeHttp(watcher, relaxed, request({ url: "https://x.test/seen" }));
  return JSON.parse(text(result.body));
}

describe("request.signal", () => {
  it("does not abort when the invocation simply completes", async () => {
    await pool.invokeHttp(watcher, relaxed, request({ url: "https://x.test/done" }));
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(await seen(), null);
  });

  it("aborts when the invocation times out", async () => {
    await seen(); // warm: the timeout below is for the handler, not a cold start
    await assert.rejects(
      pool.invokeHttp(watcher, { ...relaxed, timeoutMs: 200 }, request({ url: "https://x.test/wait" })),
      {
        code: "FN_002",
      },
    );
    assert.deepEqual(await seen(), {
      aborted: true,
      name: "AbortError",
      message: "The invocation was abandoned: the client went away or its time ran out",
    });
  });

  it("is already aborted when first read after the invocation was abandoned", async () => {
    const fn = source(watcher.code);
    await assert.rejects(pool.invokeHttp(fn, { ...relaxed, timeoutMs: 200 }, request({ url: "https://x.test/late" })), {
      code: "FN_002",
    });
    await pool.invokeHttp(fn, relaxed, request({ url: "https://x.test/release" }));
    const { result } = await pool.invokeHttp(fn, relaxed, request({ url: "https://x.test/seen" }));
    assert.deepEqual(JSON.parse(text(result.body)), { late: true, name: "AbortError" });
  });

  it("aborts when the client stops reading the response", async () => {
    const fn = source(watcher.code); // a fresh instance: nothing seen yet
    const { result } = await pool.invokeHttp(fn, relaxed, request({ url: "https://x.test/stream" }));
    const iterator = (result.body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
    await iterator.next();
    await iterator.return?.();
    const { result: after } = await pool.invokeHttp(fn, relaxed, request({ url: "https://x.test/seen" }));
    assert.equal(JSON.parse(text(after.body)).name, "AbortError");
  });
});
