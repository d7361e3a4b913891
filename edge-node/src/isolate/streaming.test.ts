import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { BunbaseError } from "../../../core/index.ts";
import { collect, collectingPool, limits, request, source, text } from "./test-support.ts";

const { pool, logs } = collectingPool();
after(() => pool.close());

const MB = 1024 * 1024;

async function* chunks(count: number, size: number, fill = 97): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < count; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    yield new Uint8Array(size).fill(fill);
  }
}

describe("streamed bodies", () => {
  it("feeds a 10 MB request body to the guest in chunks", async () => {
    const fn = source(`export async function handler(req) {
      const reader = req.body.getReader();
      let total = 0, reads = 0;
      for (;;) { const { done, value } = await reader.read(); if (done) break; total += value.byteLength; reads++; }
      return Response.json({ total, reads });
    }`);
    const input = request({ method: "POST", body: chunks(10, MB) });
    const { result } = await pool.invokeHttp(fn, limits, input);
    assert.deepEqual(JSON.parse(text(result.body)), { total: 10 * MB, reads: 10 });
  });

  it("reads a streamed request body with text() too", async () => {
    const fn = source(`export async function handler(req) { return new Response((await req.text()).length + ""); }`);
    const { result } = await pool.invokeHttp(fn, limits, request({ method: "PUT", body: chunks(3, 1000) }));
    assert.equal(text(result.body), "3000");
  });

  it("fails the invocation with the body's own error (413) when the server cuts the body", async () => {
    const fn = source(`export async function handler(req) {
      try { await req.arrayBuffer(); } catch (e) { return new Response("caught " + e.message, { status: 200 }); }
      return new Response("read all");
    }`);
    async function* tooBig(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array(1000);
      throw new BunbaseError("FN_006", "Request body exceeds 10 MB", { status: 413 });
    }
    await assert.rejects(pool.invokeHttp(fn, limits, request({ method: "POST", body: tooBig() })), {
      code: "FN_006",
      status: 413,
    });
  });

  it("streams a response body out chunk by chunk as the guest produces it", async () => {
    const fn = source(`export async function handler() {
      const encoder = new TextEncoder();
      let n = 0;
      const stream = new ReadableStream({
        async pull(controller) {
          await new Promise((resolve) => setTimeout(resolve, 20));
          if (n === 3) return controller.close();
          controller.enqueue(encoder.encode("data: " + n++ + "\\n\\n"));
        },
      });
      return new Response(stream, { headers: { "content-type": "text/event-stream" } });
    }`);
    const { result } = await pool.invokeHttp(fn, limits, request());
    assert.equal(result.status, 200);
    assert.ok(!(result.body instanceof Uint8Array), "a stream");
    const seen: string[] = [];
    for await (const chunk of result.body as AsyncIterable<Uint8Array>) seen.push(new TextDecoder().decode(chunk));
    assert.deepEqual(seen, ["data: 0\n\n", "data: 1\n\n", "data: 2\n\n"]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(pool.stats().busy, 0, "the invocation ended with its stream");
  });

  it("streams a 10 MB response, and cuts one past 10 MB with FN_004", async () => {
    const make = (count: number) =>
      source(`export async function handler() {
        let n = 0;
        return new Response(new ReadableStream({
          pull(controller) { if (n++ === ${count}) controller.close(); else controller.enqueue(new Uint8Array(${MB})); },
        }));
      }`);
    const { result } = await pool.invokeHttp(make(10), limits, request());
    assert.equal((await collect(result.body)).byteLength, 10 * MB);
    const over = await pool.invokeHttp(make(11), limits, request({ invocationId: "inv-over" }));
    await assert.rejects(collect(over.result.body), { code: "FN_004", message: /too big/ });
    assert.ok(logs.some((log) => log.invocationId === "inv-over" && /too big/.test(log.message)));
  });

  it("abandons a streaming invocation whose reader goes away", async () => {
    const fn = source(`export async function handler() {
      return new Response(new ReadableStream({
        async pull(controller) { await new Promise((r) => setTimeout(r, 10)); controller.enqueue(new Uint8Array(10)); },
      }));
    }`);
    const { result } = await pool.invokeHttp(fn, limits, request());
    const iterator = (result.body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
    await iterator.next();
    await iterator.return?.();
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(pool.stats().busy, 0);
  });
});
