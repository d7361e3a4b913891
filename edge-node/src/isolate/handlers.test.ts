import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { collectingPool, limits, request, source, text } from "./test-support.ts";

const { pool } = collectingPool();
after(() => pool.close());

describe("handler shapes (contract section 4)", () => {
  it("runs the seed's `handler(req, ctx)` with env, geo and auth in ctx", async () => {
    const fn = source(`export async function handler(req, ctx) {
      return Response.json({ method: req.method, path: new URL(req.url).pathname, env: ctx.env.GREETING,
        geo: ctx.geo, auth: ctx.auth, waitUntil: typeof ctx.waitUntil });
    }`);
    const input = request({ env: { GREETING: "hi" }, geo: { country: "GB" }, auth: { sub: "u1" } });
    const { result } = await pool.invokeHttp(fn, limits, input);
    assert.equal(result.status, 200);
    assert.deepEqual(result.headers, [["content-type", "application/json"]]);
    assert.deepEqual(JSON.parse(text(result.body)), {
      method: "GET",
      path: "/hello",
      env: "hi",
      geo: { country: "GB" },
      auth: { sub: "u1" },
      waitUntil: "function",
    });
  });

  it("runs a Workers module `export default { fetch(req, env, ctx) }` with ctx.waitUntil", async () => {
    const fn = source(
      `let done = 0;
      export default {
        async fetch(req, env, ctx) {
          if (new URL(req.url).pathname === "/count") return new Response(String(done));
          ctx.waitUntil(new Promise((resolve) => setTimeout(() => { done += 1; resolve(); }, 30)));
          return new Response(env.NAME + ":" + (await req.text()), { status: 201 });
        },
      };`,
      { exportName: "default" },
    );
    const single = collectingPool().pool;
    after(() => single.close());
    const one = { ...limits, maxConcurrency: 1 };
    const first = await single.invokeHttp(
      fn,
      one,
      request({ method: "POST", body: new TextEncoder().encode("body"), env: { NAME: "w" } }),
    );
    assert.equal(first.result.status, 201);
    assert.equal(text(first.result.body), "w:body");
    // The response comes first; with maxConcurrency 1 the invocation holds its slot until
    // waitUntil settles, so the next call waits for it and sees its effect.
    const second = await single.invokeHttp(fn, one, request({ url: "https://example.test/count", env: { NAME: "w" } }));
    assert.equal(text(second.result.body), "1");
    assert.equal(second.meta.coldStart, false);
    assert.ok(second.meta.timing.queueMs >= 10, `queued ${second.meta.timing.queueMs} ms`);
  });

  it("runs `export default app` where app.fetch exists (Hono and similar)", async () => {
    const fn = source(
      `class App {
        routes = new Map();
        get(path, h) { this.routes.set("GET " + path, h); return this; }
        fetch = (req, env, ctx) => {
          const h = this.routes.get(req.method + " " + new URL(req.url).pathname);
          return h ? h({ req, env, ctx }) : new Response("not found", { status: 404 });
        };
      }
      const app = new App().get("/hello", (c) => new Response("hello " + c.req.headers.get("x-name")));
      export default app;`,
      { exportName: "default" },
    );
    const ok = await pool.invokeHttp(fn, limits, request({ headers: [["X-Name", "ann"]] }));
    assert.equal(text(ok.result.body), "hello ann");
    const missing = await pool.invokeHttp(fn, limits, request({ url: "https://example.test/nope" }));
    assert.equal(missing.result.status, 404);
  });

  it("runs an event handler and copies its JSON result out", async () => {
    const fn = source(
      `export async function onUserCreate(event, ctx) { return { id: event.data.id, type: event.type, env: ctx.env.A }; }`,
      {
        exportName: "onUserCreate",
      },
    );
    const { result } = await pool.invokeEvent(fn, limits, {
      invocationId: "e1",
      event: { type: "auth.user.create", data: { id: "u1" } },
      env: { A: "b" },
    });
    assert.deepEqual(result, { id: "u1", type: "auth.user.create", env: "b" });
  });

  it("answers FN_004 for a missing export, a non-Response and a non-JSON event result", async () => {
    const missing = source(`export function other() {}`);
    await assert.rejects(pool.invokeHttp(missing, limits, request()), {
      code: "FN_004",
      message: /export "handler" not found/,
    });
    const notResponse = source(`export function handler() { return { status: 200 }; }`);
    await assert.rejects(pool.invokeHttp(notResponse, limits, request()), {
      code: "FN_004",
      message: "handler returned object, expected a Response",
    });
    const noReturn = source(`export function handler() {}`);
    await assert.rejects(pool.invokeHttp(noReturn, limits, request()), {
      message: "handler returned undefined, expected a Response",
    });
    const bigint = source(`export function handler() { return { n: 1n }; }`);
    await assert.rejects(pool.invokeEvent(bigint, limits, { invocationId: "e2", event: {}, env: {} }), {
      code: "FN_004",
      message: /bad return value/,
    });
  });

  it("answers FN_004 for a bundle that does not compile or imports a module", async () => {
    await assert.rejects(pool.invokeHttp(source(`export function handler( {`), limits, request()), {
      code: "FN_004",
      message: /SyntaxError/,
    });
    await assert.rejects(
      pool.invokeHttp(source(`import fs from "node:fs"; export const handler = () => fs;`), limits, request()),
      {
        code: "FN_004",
        message: /Cannot import "node:fs"/,
      },
    );
  });
});
