// The host call behind rateLimit() of @bunbase/functions ("rateLimit.take"), from real
// isolates: the capability's shape, every argument checked on the host, keys namespaced
// by the function (never by anything the guest says) and the client address the pool got.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { RATE_LIMIT_CALL } from "./protocol.ts";
import { collectingPool, limits, request, source, text } from "./test-support.ts";
import type { RateLimitCounter } from "./index.ts";

interface Hit {
  key: string;
  limit: number;
  windowMs: number;
}

/** A store that records what it was asked and allows the first `allow` hits per key. */
function recordingStore(allow = 100) {
  const hits: Hit[] = [];
  const counts = new Map<string, number>();
  const store: RateLimitCounter = {
    hit(key, limit, windowMs) {
      hits.push({ key, limit, windowMs });
      const count = (counts.get(key) ?? 0) + 1;
      counts.set(key, count);
      return Promise.resolve({
        allowed: count <= allow,
        limit,
        remaining: Math.max(0, allow - count),
        resetSeconds: 30,
      });
    },
  };
  return { store, hits };
}

const recorded = recordingStore(2);
const { pool } = collectingPool({ rateLimits: recorded.store });
const bare = collectingPool().pool;
after(async () => {
  await pool.close();
  await bare.close();
});

const CAP = JSON.stringify(RATE_LIMIT_CALL.capability);

/** Takes each of `event.takes` in turn and reports what came back (value or error name and message). */
const TAKER = `export async function handler(event) {
  const cap = globalThis[${CAP}];
  const out = [];
  for (const args of event.takes) {
    try { out.push({ value: await cap.take(args) }); }
    catch (e) { out.push({ name: e.name, message: e.message }); }
  }
  return out;
}`;

type Taken = { value?: Record<string, unknown>; name?: string; message?: string }[];

async function takeAll(takes: unknown[], on = pool, functionId?: string): Promise<Taken> {
  const fn = source(TAKER, functionId ? { functionId } : {});
  const { result } = await on.invokeEvent(fn, limits, { invocationId: "t", event: { takes }, env: {} });
  return result as Taken;
}

const IP = { limit: 5, windowMs: 60_000, header: null, value: null };

describe("rateLimit.take", () => {
  it("is a frozen, non-enumerable capability user code cannot replace", async () => {
    const fn = source(`export async function handler() {
      const cap = globalThis[${CAP}];
      let replaced = "no";
      try { globalThis[${CAP}] = { take: () => "mine" }; replaced = "silently ignored"; } catch { replaced = "threw"; }
      try { cap.take = () => "mine"; } catch {}
      let deleted = true;
      try { deleted = delete globalThis[${CAP}]; } catch { deleted = false; }
      return { enumerable: Object.keys(globalThis).includes(${CAP}), frozen: Object.isFrozen(cap),
        deleted, same: globalThis[${CAP}] === cap, replaced, take: cap.take.name };
    }`);
    const { result } = await pool.invokeEvent(fn, limits, { invocationId: "cap", event: {}, env: {} });
    assert.deepEqual(result, {
      enumerable: false,
      frozen: true,
      deleted: false,
      same: true,
      replaced: "threw",
      take: "take",
    });
  });

  it("counts under the function's id and the client's address from the pool, as the store answers", async () => {
    const fn = source(`export async function handler(req) {
      const cap = globalThis[${CAP}];
      const header = req.headers.get("x-user");
      const args = { limit: 2, windowMs: 60000, header: header ? "x-user" : null, value: header };
      return Response.json(await cap.take(args));
    }`);
    const hits = recorded.hits.length;
    const input = (headers: [string, string][] = []) => request({ clientIp: "203.0.113.9", headers });
    const first = await pool.invokeHttp(fn, limits, input());
    assert.deepEqual(JSON.parse(text(first.result.body)), { allowed: true, limit: 2, remaining: 1, resetSeconds: 30 });
    await pool.invokeHttp(fn, limits, input());
    const third = await pool.invokeHttp(fn, limits, input());
    assert.equal((JSON.parse(text(third.result.body)) as { allowed: boolean }).allowed, false);
    await pool.invokeHttp(fn, limits, input([["x-user", "ann"]]));
    assert.deepEqual(recorded.hits.slice(hits), [
      ...Array<Hit>(3).fill({ key: `sdk:${fn.functionId}\n2/60000\nip:203.0.113.9`, limit: 2, windowMs: 60_000 }),
      { key: `sdk:${fn.functionId}\n2/60000\nh:x-user:ann`, limit: 2, windowMs: 60_000 },
    ]);
  });

  it("keeps functions apart, and apart from the edge.rateLimit block's keys", async () => {
    const hits = recorded.hits.length;
    await takeAll([IP], pool, "fn-a");
    await takeAll([IP], pool, "fn-b");
    const keys = recorded.hits.slice(hits).map((h) => h.key);
    // An event has no client: its address is "".
    assert.deepEqual(keys, ["sdk:fn-a\n5/60000\nip:", "sdk:fn-b\n5/60000\nip:"]);
    // rules/rate-limit.ts keys start with the bare function id.
    assert.ok(keys.every((key) => !key.startsWith("fn-")));
  });

  it("checks every argument on the host, as the config schema checks edge.rateLimit", async () => {
    const hits = recorded.hits.length;
    const bad: [unknown, string, RegExp][] = [
      [null, "TypeError", /bad arguments/],
      [{ ...IP, limit: 0 }, "RangeError", /maxRequests/],
      [{ ...IP, limit: 1.5 }, "RangeError", /maxRequests/],
      [{ ...IP, limit: 2e9 }, "RangeError", /maxRequests/],
      [{ ...IP, limit: "5" }, "RangeError", /maxRequests/],
      [{ ...IP, windowMs: 500 }, "RangeError", /window/],
      [{ ...IP, windowMs: 1500 }, "RangeError", /window/],
      [{ ...IP, windowMs: 1e15 }, "RangeError", /window/],
      [{ ...IP, header: "X-User", value: "a" }, "TypeError", /header/],
      [{ ...IP, header: "a b", value: "a" }, "TypeError", /header/],
      [{ ...IP, header: "x".repeat(300), value: "a" }, "TypeError", /header/],
      [{ ...IP, header: "x-user", value: null }, "RangeError", /key value/],
      [{ ...IP, header: "x-user", value: "" }, "RangeError", /key value/],
      [{ ...IP, header: "x-user", value: "v".repeat(257) }, "RangeError", /key value/],
      [{ ...IP, header: "x-user", value: 7 }, "RangeError", /key value/],
    ];
    const out = await takeAll(bad.map(([args]) => args));
    bad.forEach(([args, name, message], i) => {
      assert.equal(out[i].name, name, JSON.stringify(args));
      assert.match(out[i].message ?? "", message, JSON.stringify(args));
    });
    assert.equal(recorded.hits.length, hits, "nothing invalid reached the store");
  });

  it(`allows a bounded number of takes per invocation`, async () => {
    const out = await takeAll(Array<unknown>(18).fill({ ...IP, limit: 1000 }));
    assert.ok(out.slice(0, 16).every((o) => o.value !== undefined));
    assert.deepEqual(out[16], { name: "QuotaExceededError", message: "rateLimit: at most 16 per request" });
  });

  it("says NotSupportedError on a pool without counters (the SDK then counts in the isolate)", async () => {
    const [out] = await takeAll([IP], bare);
    assert.equal(out.name, "NotSupportedError");
  });
});
