import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { collectingPool, limits, request, source, text } from "./test-support.ts";

const { pool, logs } = collectingPool();
after(() => pool.close());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("many invocations in flight on one instance", () => {
  it("serves 1,000 concurrent requests that each await a 100 ms timer", async () => {
    const fn = source(`export async function handler(req) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      return new Response(new URL(req.url).searchParams.get("n"));
    }`);
    await pool.invokeHttp(fn, limits, request());
    const started = performance.now();
    const all = await Promise.all(
      Array.from({ length: 1000 }, (_, n) => pool.invokeHttp(fn, limits, request({ url: `https://x.test/?n=${n}` }))),
    );
    const elapsed = performance.now() - started;
    assert.deepEqual(
      all.map((r) => text(r.result.body)),
      Array.from({ length: 1000 }, (_, n) => String(n)),
    );
    assert.ok(all.every((r) => !r.meta.coldStart));
    assert.equal(pool.stats().busy, 0);
    // They overlapped: serially this would take 100 s.
    assert.ok(elapsed < 30_000, `took ${elapsed} ms`);
  });

  it("attributes console lines to the invocation that wrote them, across timers", async () => {
    const fn = source(`export async function handler(req) {
      const name = new URL(req.url).searchParams.get("name");
      const wait = Number(new URL(req.url).searchParams.get("wait"));
      console.log("start", name);
      await new Promise((resolve) => setTimeout(resolve, wait));
      console.log("middle", name);
      await new Promise((resolve) => setTimeout(resolve, wait));
      console.log("end", name);
      return new Response(name);
    }`);
    const a = request({ invocationId: "inv-a", url: "https://x.test/?name=a&wait=40" });
    const b = request({ invocationId: "inv-b", url: "https://x.test/?name=b&wait=25" });
    await Promise.all([pool.invokeHttp(fn, limits, a), pool.invokeHttp(fn, limits, b)]);
    for (const name of ["a", "b"]) {
      const mine = logs.filter((log) => log.invocationId === `inv-${name}`).map((log) => log.message);
      assert.deepEqual(mine, [`start ${name}`, `middle ${name}`, `end ${name}`]);
    }
  });

  it("times out a stuck promise while a healthy invocation on the same instance succeeds", async () => {
    const fn = source(`export async function handler(req) {
      if (req.url.endsWith("/stuck")) {
        setTimeout(() => console.log("late write"), 300);
        await new Promise(() => {});
      }
      await new Promise((resolve) => setTimeout(resolve, 400));
      return new Response("healthy");
    }`);
    const short = { ...limits, timeoutMs: 200 };
    const relaxed = { ...limits, timeoutMs: 5000 };
    await pool.invokeHttp(fn, relaxed, request({ url: "https://x.test/warm" }));
    const healthy = pool.invokeHttp(fn, relaxed, request());
    const stuckId = "inv-stuck";
    await assert.rejects(pool.invokeHttp(fn, short, request({ invocationId: stuckId, url: "https://x.test/stuck" })), {
      code: "FN_002",
    });
    const ok = await healthy;
    assert.equal(text(ok.result.body), "healthy");
    assert.equal(ok.meta.coldStart, false, "the instance survived the timeout");
    await sleep(200);
    const stuckLogs = logs.filter((log) => log.invocationId === stuckId).map((log) => log.message);
    assert.equal(stuckLogs.length, 1, `only the timeout line: ${stuckLogs.join(" | ")}`);
    assert.match(stuckLogs[0], /Timeout exceeded/);
  });

  it("disposes an isolate stuck in a CPU loop: its invocations fail FN_002 and the next request works", async () => {
    const fn = source(`export async function handler(req) {
      if (req.url.endsWith("/spin")) { while (true) {} }
      await new Promise((resolve) => setTimeout(resolve, 50));
      return new Response("fine");
    }`);
    const relaxed = { ...limits, timeoutMs: 5000 };
    await pool.invokeHttp(fn, relaxed, request());
    const bystander = pool.invokeHttp(fn, relaxed, request({ invocationId: "inv-bystander" }));
    const started = Date.now();
    await assert.rejects(pool.invokeHttp(fn, { ...limits, timeoutMs: 200 }, request({ url: "https://x.test/spin" })), {
      code: "FN_002",
      status: 504,
    });
    await assert.rejects(bystander, { code: "FN_002" });
    assert.ok(Date.now() - started < 3000);
    const next = await pool.invokeHttp(fn, relaxed, request());
    assert.equal(text(next.result.body), "fine");
    assert.equal(next.meta.coldStart, true, "a fresh isolate");
    assert.ok(logs.some((log) => log.invocationId === "inv-bystander" && /Timeout exceeded/.test(log.message)));
  });

  it("keeps timers, waitUntil and env of concurrent invocations apart", async () => {
    const fn = source(
      `export default {
      async fetch(req, env, ctx) {
        const tag = new URL(req.url).searchParams.get("tag");
        ctx.waitUntil(new Promise((resolve) => setTimeout(() => { console.log("after", tag); resolve(); }, 30)));
        return new Response(env.NAME + ":" + tag);
      },
    };`,
      { exportName: "default" },
    );
    const env = { NAME: "n" };
    const results = await Promise.all(
      ["x", "y"].map((tag) =>
        pool.invokeHttp(
          fn,
          limits,
          request({ invocationId: `inv-tag-${tag}`, env, url: `https://x.test/?tag=${tag}` }),
        ),
      ),
    );
    assert.deepEqual(
      results.map((r) => text(r.result.body)),
      ["n:x", "n:y"],
    );
    await sleep(100);
    for (const tag of ["x", "y"]) {
      const mine = logs.filter((log) => log.invocationId === `inv-tag-${tag}`).map((log) => log.message);
      assert.deepEqual(mine, [`after ${tag}`]);
    }
  });

  it("gives an env change a fresh instance while the old one finishes its work", async () => {
    const fn = source(`export async function handler(req, ctx) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      return new Response(ctx.env.V);
    }`);
    const old = pool.invokeHttp(fn, limits, request({ env: { V: "1" } }));
    await sleep(30);
    const fresh = await pool.invokeHttp(fn, limits, request({ env: { V: "2" } }));
    assert.equal(text(fresh.result.body), "2");
    assert.equal(fresh.meta.coldStart, true);
    assert.equal(text((await old).result.body), "1");
  });
});
