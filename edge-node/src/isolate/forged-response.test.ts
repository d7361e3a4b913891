/**
 * Adversarial: guests returning responses built to hurt the host (bad status, forged
 * headers, throwing getters, giant bodies). Each must end as FN_004, never a host crash.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { collect, collectingPool, limits, request, source, text } from "./test-support.ts";

const { pool } = collectingPool();
after(() => pool.close());

async function expectFn004(code: string, message?: RegExp): Promise<void> {
  await assert.rejects(
    pool.invokeHttp(source(code), limits, request()),
    (error: { code: string; status: number; message: string }) => {
      assert.equal(error.code, "FN_004", error.message);
      assert.equal(error.status, 502);
      if (message) assert.match(error.message, message);
      return true;
    },
  );
}

describe("forged responses", () => {
  it("refuses status 9999 smuggled past the Response constructor", async () => {
    await expectFn004(
      `export function handler() { const r = new Response("x"); Object.defineProperty(r, "status", { value: 9999 }); return r; }`,
      /status/,
    );
    await expectFn004(`export function handler() { return Response.error(); }`, /status/);
  });

  it("refuses non-string and CRLF header values forged through the Headers prototype", async () => {
    await expectFn004(
      `export function handler() {
        const r = new Response("x");
        Object.defineProperty(r, "headers", { value: { [Symbol.iterator]: function* () { yield ["x-a", 42]; } } });
        return r;
      }`,
      /header/,
    );
    await expectFn004(
      `export function handler() {
        const r = new Response("x");
        Object.defineProperty(r, "headers", { value: [["x-a", "1\\r\\nset-cookie: evil=1"]] });
        return r;
      }`,
      /header/,
    );
  });

  it("turns a throwing getter into FN_004", async () => {
    await expectFn004(
      `export function handler() { const r = new Response("x"); Object.defineProperty(r, "status", { get() { throw new Error("gotcha"); } }); return r; }`,
      /gotcha/,
    );
    await expectFn004(
      `export function handler() { return { get status() { throw new Error("no"); } }; }`,
      /expected a Response/,
    );
  });

  it("refuses a body over 10 MB, from bytes or from a stream", async () => {
    await expectFn004(
      `export function handler() { return new Response(new Uint8Array(10 * 1024 * 1024 + 1)); }`,
      /too big|exceeds/,
    );
    // A streamed body starts going out before its size is known: it is cut mid-way.
    const { result } = await pool.invokeHttp(
      source(`export function handler() {
        let sent = 0;
        return new Response(new ReadableStream({ pull(c) { if (sent++ < 12) c.enqueue(new Uint8Array(1024 * 1024)); else c.close(); } }));
      }`),
      limits,
      request(),
    );
    await assert.rejects(collect(result.body), { code: "FN_004", status: 502, message: /too big/ });
  });

  it("refuses forged outcomes when the runtime's own classes are tampered with", async () => {
    // The runtime takes a body through a symbol on Body.prototype; a guest can find it.
    await expectFn004(`export function handler() {
      const r = new Response("x");
      const [take] = Object.getOwnPropertySymbols(Object.getPrototypeOf(Response.prototype));
      r[take] = () => ({ bytes: "not bytes" });
      return r;
    }`);
    await expectFn004(`export function handler() {
      Object.defineProperty(Response, Symbol.hasInstance, { value: () => true });
      return { status: 200, headers: [], consumeBytes: async () => new Uint8Array(11 * 1024 * 1024) };
    }`);
  });

  it("still serves after all of that", async () => {
    const { result } = await pool.invokeHttp(
      source(`export const handler = () => new Response("ok");`),
      limits,
      request(),
    );
    assert.equal(text(result.body), "ok");
  });
});
