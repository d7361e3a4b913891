import assert from "node:assert/strict";
import { test } from "node:test";
import { LocalRateLimitStore } from "./rate-limit-store.ts";
import { RateLimitRule } from "./rate-limit.ts";
import { SlidingWindowLimiter } from "./sliding-window.ts";

function clock(start = 1_000_000_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

test("exactly the limit passes in a fresh window, then refusals with a retry time", () => {
  const c = clock();
  const limiter = new SlidingWindowLimiter({ now: c.now });
  const results = Array.from({ length: 6 }, () => limiter.hit("k", 5, 60_000));
  assert.deepEqual(
    results.map((r) => r.allowed),
    [true, true, true, true, true, false],
  );
  assert.deepEqual(
    results.map((r) => r.remaining),
    [4, 3, 2, 1, 0, 0],
  );
  assert.ok(results[5].resetSeconds >= 1 && results[5].resetSeconds <= 120);
});

test("a burst across a window boundary does not double the rate", () => {
  const c = clock(60_000 * 1000 + 59_000); // one second before a window ends
  const limiter = new SlidingWindowLimiter({ now: c.now });
  for (let i = 0; i < 3; i++) assert.ok(limiter.hit("k", 5, 60_000).allowed);
  c.advance(2000); // into the next window: the previous three still weigh ~ 3 * 58/60
  assert.ok(limiter.hit("k", 5, 60_000).allowed);
  assert.ok(limiter.hit("k", 5, 60_000).allowed);
  assert.equal(limiter.hit("k", 5, 60_000).allowed, false);
});

test("the refused client may come back after retry-after", () => {
  const c = clock(0);
  const limiter = new SlidingWindowLimiter({ now: c.now });
  for (let i = 0; i < 10; i++) limiter.hit("k", 10, 10_000);
  const refused = limiter.hit("k", 10, 10_000);
  assert.equal(refused.allowed, false);
  c.advance(refused.resetSeconds * 1000);
  assert.equal(limiter.hit("k", 10, 10_000).allowed, true);
});

test("keys are independent; idle keys are swept and the key count is capped", () => {
  const c = clock(0);
  const limiter = new SlidingWindowLimiter({ now: c.now, maxKeys: 3 });
  assert.ok(limiter.hit("a", 1, 1000).allowed);
  assert.ok(limiter.hit("b", 1, 1000).allowed);
  assert.ok(!limiter.hit("a", 1, 1000).allowed);
  limiter.hit("c", 1, 1000);
  limiter.hit("d", 1, 1000);
  assert.equal(limiter.size, 3);
  c.advance(20_000);
  limiter.hit("e", 1, 1000);
  assert.equal(limiter.size, 1);
});

test("the rule keys by header, falling back to the IP, and answers 429 FN_007", async () => {
  const rule = new RateLimitRule("fn1", { maxRequests: 1, window: "1m", key: "header:X-User" });
  const headers: Record<string, string> = { "x-user": "alice" };
  const byHeader = rule.keyOf("192.0.2.1", (name) => headers[name]);
  assert.match(byHeader, /h:alice$/);
  assert.match(
    rule.keyOf("192.0.2.1", () => undefined),
    /ip:192\.0\.2\.1$/,
  );
  const store = new LocalRateLimitStore();
  const first = await rule.check(store, byHeader);
  assert.equal(first.error, undefined);
  assert.deepEqual(Object.fromEntries(first.headers)["ratelimit-remaining"], "0");
  const second = await rule.check(store, byHeader);
  assert.equal(second.error?.code, "FN_007");
  assert.equal(second.error?.status, 429);
  assert.ok(Number(second.error?.headers?.["retry-after"]) >= 1);
  assert.equal(Object.fromEntries(second.headers)["ratelimit-policy"], "1;w=60");
});
