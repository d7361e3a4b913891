import { test } from "node:test";
import assert from "node:assert/strict";
import { backoffCeiling, backoffDelay, backoffFromEnv, DEFAULT_BACKOFF } from "./backoff.ts";

const p = { baseMs: 500, capMs: 300_000 };

test("the ceiling doubles per attempt and stops at the cap", () => {
  assert.deepEqual(
    [1, 2, 3, 4].map((a) => backoffCeiling(a, p)),
    [500, 1000, 2000, 4000],
  );
  assert.equal(backoffCeiling(30, p), 300_000);
  assert.equal(backoffCeiling(10_000, p), 300_000);
});

test("jitter: from half the ceiling to the ceiling, so a wait is never shorter than the last", () => {
  assert.equal(
    backoffDelay(3, p, () => 0),
    1000,
  );
  assert.equal(
    backoffDelay(3, p, () => 0.5),
    1500,
  );
  assert.equal(
    backoffDelay(3, p, () => 0.999999),
    2000,
  );
  for (let i = 0; i < 100; i++) {
    const d = backoffDelay(4, p);
    assert.ok(d >= 2000 && d <= 4000, String(d));
    assert.ok(backoffDelay(5, p) >= backoffDelay(4, p, () => 1));
  }
});

test("BUNBASE_RETRY_BASE_MS sets the base; junk keeps the default", () => {
  assert.equal(backoffFromEnv({ BUNBASE_RETRY_BASE_MS: "20" }).baseMs, 20);
  assert.equal(backoffFromEnv({ BUNBASE_RETRY_BASE_MS: "x" }), DEFAULT_BACKOFF);
  assert.equal(backoffFromEnv({}), DEFAULT_BACKOFF);
});
