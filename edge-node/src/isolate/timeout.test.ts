import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { collectingPool, request, source, text } from "./test-support.ts";

const { pool, logs } = collectingPool();
after(() => pool.close());

const short = { memoryMb: 128, timeoutMs: 300 };
const relaxed = { memoryMb: 128, timeoutMs: 5000 };
const bad = (id = "inv-bad") => request({ url: "https://x.test/bad", invocationId: id });

/**
 * A function that misbehaves on `/bad` only, already warm: a cold start has its own
 * budget (FN_008), and on a loaded machine it may take longer than the short timeout.
 */
async function warmed(misbehaviour: string) {
  const fn = source(`export async function handler(req, ctx) {
    if (!req.url.endsWith("/bad")) return new Response("fine");
    ${misbehaviour}
  }`);
  await pool.invokeHttp(fn, relaxed, request());
  return fn;
}

describe("FN_002: the watchdog ends invocations that run too long", () => {
  it("kills a CPU loop", async () => {
    const fn = await warmed("while (true) {}");
    const started = Date.now();
    await assert.rejects(pool.invokeHttp(fn, short, bad("inv-loop")), {
      code: "FN_002",
      status: 504,
      message: /300 ms/,
    });
    assert.ok(Date.now() - started < 2000);
    const log = logs.find((entry) => entry.invocationId === "inv-loop" && entry.level === "error");
    assert.match(log?.message ?? "", /Timeout exceeded/);
    assert.equal(pool.stats().busy, 0);
  });

  it("ends a promise that never settles", async () => {
    const fn = await warmed("await new Promise(() => {});");
    await assert.rejects(pool.invokeHttp(fn, short, bad()), { code: "FN_002" });
  });

  it("ends a CPU loop in a timer callback", async () => {
    const fn = await warmed("return new Promise(() => setTimeout(() => { while (true) {} }, 1));");
    await assert.rejects(pool.invokeHttp(fn, short, bad()), { code: "FN_002" });
  });

  it("answers FN_008 for a module that never finishes loading", async () => {
    const atLoad = source(`while (true) {}\nexport const handler = () => new Response("");`);
    await assert.rejects(pool.invokeHttp(atLoad, short, request()), { code: "FN_008", status: 503 });
  });

  it("drops the timed-out instance and keeps serving this and other functions", async () => {
    const fn = await warmed("while (true) {}");
    const other = await warmed("");
    await assert.rejects(pool.invokeHttp(fn, short, bad()), { code: "FN_002" });
    const again = await pool.invokeHttp(fn, relaxed, request());
    assert.equal(text(again.result.body), "fine");
    assert.equal(again.meta.coldStart, true, "a fresh instance replaced the disposed one");
    const untouched = await pool.invokeHttp(other, relaxed, request());
    assert.equal(text(untouched.result.body), "fine");
    assert.equal(untouched.meta.coldStart, false);
  });

  it("bounds ctx.waitUntil by the same timeout, after the response went out", async () => {
    const fn = await warmed(`ctx.waitUntil(new Promise(() => {})); return new Response("early");`);
    const { result } = await pool.invokeHttp(fn, short, bad("inv-wait"));
    assert.equal(text(result.body), "early");
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.ok(logs.some((log) => log.invocationId === "inv-wait" && /ctx\.waitUntil: Timeout/.test(log.message)));
    assert.equal(pool.stats().busy, 0);
  });
  it("ends each of several awaiting invocations at its own deadline, a shorter one after a longer", async () => {
    // One timer per instance, due at the earliest deadline in flight: an invocation that
    // comes later with a shorter timeout moves it earlier.
    const fn = await warmed("await new Promise(() => {});");
    const started = performance.now();
    const endedAt = (limits: typeof short, id: string) =>
      pool.invokeHttp(fn, limits, bad(id)).then(
        () => assert.fail(`${id} answered`),
        (error: { code?: string }) => ({ code: error.code, ms: performance.now() - started }),
      );
    const long = endedAt({ memoryMb: 128, timeoutMs: 1500 }, "inv-long");
    const brief = endedAt(short, "inv-brief");
    const middle = endedAt({ memoryMb: 128, timeoutMs: 800 }, "inv-middle");
    const [a, b, c] = await Promise.all([brief, middle, long]);
    assert.deepEqual([a.code, b.code, c.code], ["FN_002", "FN_002", "FN_002"]);
    assert.ok(a.ms >= 300 && a.ms < b.ms && b.ms < c.ms, `ended at ${a.ms}, ${b.ms}, ${c.ms} ms`);
    assert.ok(b.ms >= 800 && c.ms >= 1500, `ended at ${b.ms}, ${c.ms} ms`);
    assert.equal(pool.stats().busy, 0);
  });
});
