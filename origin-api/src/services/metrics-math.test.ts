import { test } from "node:test";
import assert from "node:assert/strict";
import { aggregate, concurrency, percentile } from "./metrics-math.ts";
import type { InvocationStat } from "../store/index.ts";

const stat = (startedAt: number, durationMs: number, extra: Partial<InvocationStat> = {}): InvocationStat => ({
  startedAt,
  durationMs,
  status: 200,
  errorCode: null,
  coldStart: false,
  cpuMs: null,
  memoryMb: null,
  ...extra,
});

test("nearest-rank percentiles", () => {
  const xs = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(xs, 50), 50);
  assert.equal(percentile(xs, 95), 95);
  assert.equal(percentile(xs, 99), 99);
  assert.equal(percentile([7], 99), 7);
  assert.equal(percentile([], 50), 0);
});

test("concurrency peaks where intervals overlap; back-to-back is not concurrent", () => {
  assert.deepEqual(concurrency([stat(0, 10), stat(10, 10)], 100), { current: 0, max: 1 });
  assert.deepEqual(concurrency([stat(0, 100), stat(10, 100), stat(20, 5)], 50), { current: 2, max: 3 });
});

test("aggregate counts errors, cold starts, timeouts and throttles inside the window only", () => {
  const now = 10 * 60_000;
  const stats = [
    stat(now - 60_000, 10, { coldStart: true, memoryMb: 20, cpuMs: 3 }),
    stat(now - 50_000, 30, { status: 504, errorCode: "FN_002" }),
    stat(now - 40_000, 20, { status: 429, errorCode: "FN_007" }),
    stat(now - 30_000, 40, { memoryMb: 40, cpuMs: 5 }),
    stat(now - 9 * 60_000, 1000),
  ];
  const m = aggregate(stats, "5m", now);
  assert.equal(m.invocations, 4);
  assert.equal(m.errors, 2);
  assert.equal(m.errorRate, 0.5);
  assert.equal(m.coldStarts, 1);
  assert.equal(m.timeouts, 1);
  assert.equal(m.throttles, 1);
  assert.deepEqual(m.duration, { avg: 25, p50: 20, p95: 40, p99: 40 });
  assert.deepEqual(m.memoryMb, { avg: 30, max: 40 });
  assert.deepEqual(m.cpuMs, { avg: 4, max: 5 });
  assert.equal(
    m.series.reduce((a, s) => a + s.invocations, 0),
    4,
  );
  assert.ok(m.series.length >= 10);
});
