// rateLimit() of @bunbase/functions in Node: the in-process counters it uses off the edge,
// and what it asks an edge node's capability (a stand-in here; the real host call is
// tested in edge-node/src/isolate/sdk-rate-limit.test.ts).
import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import { RATE_LIMIT_CALL } from "../../edge-node/src/isolate/protocol.ts";
import { middleware, rateLimit, type Context } from "./functions.guest.ts";
import { RATE_LIMIT_CAPABILITY, type RateLimitTake } from "./rate-limit.guest.ts";
import { LocalLimiter } from "./sliding-window.guest.ts";

const ctx: Context = Object.freeze({ env: {}, requestId: "inv_9", waitUntil: () => undefined });
const ok = () => new Response("ok");
const get = (handler: ReturnType<typeof middleware>, headers: Record<string, string> = {}) =>
  Promise.resolve(handler(new Request("http://x/", { headers }), ctx));
const scope = globalThis as Record<string, unknown>;

afterEach(() => {
  delete scope[RATE_LIMIT_CAPABILITY];
});

test("the SDK names the capability as the runtime does", () => {
  assert.equal(RATE_LIMIT_CAPABILITY, RATE_LIMIT_CALL.capability);
});

test("off the edge: maxRequests pass, then 429 FN_007 with retry-after and the RateLimit fields", async () => {
  const handler = middleware([rateLimit({ maxRequests: 3, window: "1m", key: "header:x-user" }), ok]);
  const statuses = [];
  for (let i = 0; i < 4; i++) {
    const res = await get(handler, { "x-user": "ann" });
    statuses.push(res.status);
    assert.equal(res.headers.get("ratelimit-limit"), "3");
    assert.equal(res.headers.get("ratelimit-policy"), "3;w=60");
    if (i < 3) assert.equal(res.headers.get("ratelimit-remaining"), String(2 - i));
    if (i === 3) {
      assert.ok(Number(res.headers.get("retry-after")) >= 1);
      assert.deepEqual(await res.json(), {
        error: {
          code: "FN_007",
          message: "Rate limit of 3 requests per 60s exceeded",
          requestId: "inv_9",
          details: { limit: 3, windowSeconds: 60 },
        },
      });
    }
  }
  assert.deepEqual(statuses, [200, 200, 200, 429]);
  // Another value of the header has its own count.
  assert.equal((await get(handler, { "x-user": "bob" })).status, 200);
});

test("the sliding window: a fresh window lets maxRequests through, the previous one weighs in", () => {
  const limiter = new LocalLimiter();
  const at = (s: number) => s * 1000;
  const hits = Array.from({ length: 5 }, () => limiter.hit("k", 4, 60_000, at(0)).allowed);
  assert.deepEqual(hits, [true, true, true, true, false]);
  // Halfway into the next window, half of the previous 4 still count: 2 more pass.
  const next = Array.from({ length: 3 }, () => limiter.hit("k", 4, 60_000, at(90)).allowed);
  assert.deepEqual(next, [true, true, false]);
});

test("on an edge node the capability counts: it gets the header and value, or nulls for the address", async () => {
  const asked: RateLimitTake[] = [];
  scope[RATE_LIMIT_CAPABILITY] = {
    take: (args: RateLimitTake) => {
      asked.push(args);
      return Promise.resolve({ allowed: asked.length < 2, limit: args.limit, remaining: 0, resetSeconds: 7 });
    },
  };
  const handler = middleware([rateLimit({ maxRequests: 5, window: "2h", key: "header:X-Team" }), ok]);
  assert.equal((await get(handler, { "x-team": "red" })).status, 200);
  const refused = await get(handler);
  assert.equal(refused.status, 429);
  assert.equal(refused.headers.get("retry-after"), "7");
  assert.deepEqual(asked, [
    { limit: 5, windowMs: 7_200_000, header: "x-team", value: "red" },
    // No header: counted by the client's address, which only the host knows.
    { limit: 5, windowMs: 7_200_000, header: null, value: null },
  ]);
});

test("a long header value is sent as its SHA-256; a host without counters means counting here", async () => {
  const asked: RateLimitTake[] = [];
  scope[RATE_LIMIT_CAPABILITY] = {
    take: (args: RateLimitTake) => {
      asked.push(args);
      const error = new Error("no counters");
      error.name = "NotSupportedError";
      return Promise.reject(error);
    },
  };
  const handler = middleware([rateLimit({ maxRequests: 1, window: "1m", key: "header:x-user" }), ok]);
  const long = "u".repeat(1000);
  assert.equal((await get(handler, { "x-user": long })).status, 200);
  assert.equal((await get(handler, { "x-user": long })).status, 429);
  assert.match(asked[0].value ?? "", /^sha256:[A-Za-z0-9_-]{43}$/);
});

test("other failures of the capability are not swallowed", async () => {
  scope[RATE_LIMIT_CAPABILITY] = { take: () => Promise.reject(new RangeError("bad window")) };
  const handler = middleware([rateLimit({ maxRequests: 1, window: "1m" }), ok]);
  await assert.rejects(get(handler), /bad window/);
});
