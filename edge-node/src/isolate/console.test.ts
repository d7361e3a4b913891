import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { IsolatePool, MAX_LOG_LINES } from "./index.ts";
import { collectingPool, limits, request, source, text } from "./test-support.ts";

const { pool, logs } = collectingPool();
after(() => pool.close());

describe("console -> LogSink", () => {
  it("maps console methods to levels, tagged with the invocation id", async () => {
    logs.length = 0;
    const fn = source(`export function handler() {
      console.log("log %s=%d", "n", 42, { a: [1] });
      console.info("info");
      console.debug("debug");
      console.warn("warn", 1n, null);
      console.error(new TypeError("bad"));
      return new Response("ok");
    }`);
    await pool.invokeHttp(fn, limits, request({ invocationId: "inv-console" }));
    assert.deepEqual(
      logs.map((log) => [log.level, log.message.split("\n")[0], log.invocationId]),
      [
        ["info", 'log n=42 {"a":[1]}', "inv-console"],
        ["info", "info", "inv-console"],
        ["debug", "debug", "inv-console"],
        ["warn", "warn 1n null", "inv-console"],
        ["error", "TypeError: bad", "inv-console"],
      ],
    );
    assert.match(logs[4].message, /\n\s+at handler \(/, "errors carry their stack");
    assert.ok(!Number.isNaN(Date.parse(logs[0].time)));
  });

  it("cuts a message longer than the origin stores, and keeps the lines after it", async () => {
    logs.length = 0;
    const fn = source(`export function handler() {
      console.log("x".repeat(100000));
      console.log("after");
      return new Response("ok");
    }`);
    await pool.invokeHttp(fn, limits, request({ invocationId: "inv-long" }));
    assert.equal(logs.length, 2);
    assert.equal(logs[0].message.length, 65536);
    assert.match(logs[0].message, /^x+ \[\.\.\. cut: a log message is at most 65,536 characters\]$/);
    assert.equal(logs[1].message, "after");
  });

  it("stops after the per-invocation cap with one warning", async () => {
    logs.length = 0;
    const fn = source(
      `export function handler() { for (let i = 0; i < 1500; i++) console.log("line " + i); return new Response("ok"); }`,
    );
    await pool.invokeHttp(fn, limits, request({ invocationId: "inv-flood" }));
    assert.equal(logs.length, MAX_LOG_LINES + 1);
    assert.equal(logs.at(-1)?.level, "warn");
    assert.match(logs.at(-1)?.message ?? "", /logs truncated/);
  });

  it("caps bytes too: 256 KB per invocation", async () => {
    logs.length = 0;
    const fn = source(
      `export function handler() { const big = "x".repeat(60 * 1024); for (let i = 0; i < 6; i++) console.log(big); return new Response("ok"); }`,
    );
    await pool.invokeHttp(fn, limits, request());
    assert.deepEqual(
      logs.map((log) => log.level),
      ["info", "info", "info", "info", "warn"],
    );
  });

  it("keeps a failing LogSink away from the guest", async () => {
    const failing = new IsolatePool({
      logSink: () => {
        throw new Error("sink down");
      },
    });
    after(() => failing.close());
    const fn = source(`export function handler() {
      let seen = "none";
      try { console.log("hello"); } catch (e) { seen = String(e && e.stack); }
      return new Response(seen);
    }`);
    const { result } = await failing.invokeHttp(fn, limits, request());
    assert.equal(text(result.body), "none");
  });
});
