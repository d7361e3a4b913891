import assert from "node:assert/strict";
import { test } from "node:test";
import { histogramCount } from "./duration-histogram.ts";
import { InvocationAggregator, STATS_BUCKET_MS, type InvocationSample } from "./invocation-stats.ts";

const T0 = 1_700_000_000_000; // a multiple of 10 s

const sample = (extra: Partial<InvocationSample> = {}): InvocationSample => ({
  functionId: "fn_a",
  trigger: "http",
  startedAt: T0 + 1_000,
  durationMs: 10,
  status: 200,
  coldStart: false,
  ...extra,
});

test("invocations fold into one aggregate per function, trigger and 10 s bucket", () => {
  const agg = new InvocationAggregator();
  agg.add(sample({ coldStart: true, cpuMs: 2, memoryMb: 30 }));
  agg.add(sample({ durationMs: 30, status: 504, errorCode: "FN_002", cpuMs: 4, memoryMb: 20 }));
  agg.add(sample({ status: 503 })); // an error without a code
  agg.add(sample({ status: 429, errorCode: "FN_007" }));
  agg.add(sample({ trigger: "event" }));
  agg.add(sample({ startedAt: T0 + STATS_BUCKET_MS }));
  agg.add(sample({ functionId: "fn_b" }));
  assert.equal(agg.size, 4);
  const stats = agg.take();
  assert.equal(agg.size, 0);
  const http = stats.find((s) => s.functionId === "fn_a" && s.trigger === "http" && s.bucketStart === T0)!;
  assert.equal(http.invocations, 4);
  assert.equal(http.errors, 3);
  assert.equal(http.coldStarts, 1);
  assert.deepEqual(http.codes, { FN_002: 1, FN_007: 1 });
  assert.equal(http.durationSumMs, 60);
  assert.equal(histogramCount(http.durationHist), 4);
  assert.deepEqual(http.cpu, { count: 2, sum: 6, max: 4 });
  assert.deepEqual(http.memory, { count: 2, sum: 50, max: 30 });
  assert.deepEqual(
    stats.map((s) => [s.functionId, s.trigger, s.bucketStart, s.invocations]).sort(),
    [
      ["fn_a", "event", T0, 1],
      ["fn_a", "http", T0, 4],
      ["fn_a", "http", T0 + STATS_BUCKET_MS, 1],
      ["fn_b", "http", T0, 1],
    ].sort(),
  );
});

test("begin/end count what is in flight and keep the peak at the start of the bucket's invocations", () => {
  const agg = new InvocationAggregator();
  const first = agg.begin("fn_a");
  const second = agg.begin("fn_a");
  const other = agg.begin("fn_b");
  assert.deepEqual([first, second, other], [1, 2, 1]);
  assert.deepEqual(agg.inFlight(), { fn_a: 2, fn_b: 1 });
  agg.end(sample(), second);
  agg.end(sample(), first);
  const third = agg.begin("fn_a");
  assert.equal(third, 1);
  agg.end(sample({ startedAt: T0 + STATS_BUCKET_MS }), third);
  assert.deepEqual(agg.inFlight(), { fn_b: 1 });
  const [a0, a1] = agg.take().sort((x, y) => x.bucketStart - y.bucketStart);
  assert.equal(a0.maxConcurrency, 2);
  assert.equal(a1.maxConcurrency, 1);
  agg.end(sample({ functionId: "fn_b" }), other);
  agg.take();
  assert.deepEqual(agg.inFlight(), {});
});

test("a taken aggregate merged back adds to what came in since", () => {
  const agg = new InvocationAggregator();
  agg.add(sample());
  const taken = agg.take();
  agg.add(sample({ durationMs: 20 }));
  for (const s of taken) agg.merge(s);
  const [merged] = agg.take();
  assert.equal(merged.invocations, 2);
  assert.equal(merged.durationSumMs, 30);
  assert.equal(histogramCount(merged.durationHist), 2);
});

test("take() hands out whole buckets up to its limit; dropOldest() drops the oldest buckets and counts them", () => {
  const agg = new InvocationAggregator();
  for (let b = 0; b < 10; b++) {
    agg.add(sample({ startedAt: T0 + b * STATS_BUCKET_MS }));
    agg.add(sample({ startedAt: T0 + b * STATS_BUCKET_MS, trigger: "invoke" }));
    agg.add(sample({ startedAt: T0 + b * STATS_BUCKET_MS, trigger: "invoke" }));
  }
  assert.equal(agg.size, 20);
  assert.equal(agg.take(5).length, 4);
  assert.equal(agg.size, 16);
  assert.equal(agg.dropOldest(10), 3 * 3);
  assert.equal(agg.size, 10);
  const left = agg.take();
  assert.deepEqual([...new Set(left.map((s) => (s.bucketStart - T0) / STATS_BUCKET_MS))].sort(), [5, 6, 7, 8, 9]);
});
