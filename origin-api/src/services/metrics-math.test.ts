import { test } from "node:test";
import assert from "node:assert/strict";
import { addToHistogram, HISTOGRAM_RELATIVE_ERROR, type Histogram } from "../../../core/index.ts";
import { aggregate } from "./metrics-math.ts";
import type { SeriesRow } from "../store/index.ts";
import { emptySeriesRow } from "../store/invocation-stats-store.ts";

const row = (t: number, durations: number[], extra: Partial<SeriesRow> = {}): SeriesRow => {
  const durationHist: Histogram = {};
  for (const d of durations) addToHistogram(durationHist, d);
  return {
    ...emptySeriesRow(t),
    invocations: durations.length,
    durationSumMs: durations.reduce((a, b) => a + b, 0),
    durationHist,
    ...extra,
  };
};

const near = (got: number, exact: number) =>
  assert.ok(Math.abs(got - exact) <= exact * HISTOGRAM_RELATIVE_ERROR + 0.01, `${got} vs ${exact}`);

test("aggregate adds the series buckets up: counts and averages exact, percentiles within the histogram's error", () => {
  const now = 10 * 60_000 + 5_000;
  const m = aggregate(
    {
      series: [
        row(8 * 60_000, [10, 30], { errors: 1, coldStarts: 1, memoryCount: 1, memorySum: 20, memoryMax: 20 }),
        row(9 * 60_000 + 30_000, [20, 40], { errors: 1, cpuCount: 2, cpuSum: 8, cpuMax: 5 }),
      ],
      codes: { FN_002: 1, FN_007: 1 },
      peakConcurrency: 3,
    },
    2,
    "5m",
    now,
  );
  assert.equal(m.invocations, 4);
  assert.equal(m.errors, 2);
  assert.equal(m.errorRate, 0.5);
  assert.equal(m.coldStarts, 1);
  assert.equal(m.coldStartRate, 0.25);
  assert.equal(m.timeouts, 1);
  assert.equal(m.throttles, 1);
  assert.equal(m.duration.avg, 25);
  near(m.duration.p50, 20);
  near(m.duration.p95, 40);
  near(m.duration.p99, 40);
  assert.deepEqual(m.memoryMb, { avg: 20, max: 20 });
  assert.deepEqual(m.cpuMs, { avg: 4, max: 5 });
  assert.deepEqual(m.concurrency, { current: 2, max: 3 });
  // 30 s buckets from the window's start to now, the empty ones included.
  assert.equal(m.series.length, 11);
  assert.equal(m.series[0].t, new Date(5 * 60_000).toISOString());
  assert.deepEqual(
    m.series.filter((s) => s.invocations > 0).map((s) => [s.t, s.invocations, s.errors]),
    [
      [new Date(8 * 60_000).toISOString(), 2, 1],
      [new Date(9 * 60_000 + 30_000).toISOString(), 2, 1],
    ],
  );
  near(m.series[6].p95, 30);
});

test("an empty window is all zeros; what is in flight now bounds the peak from below", () => {
  const m = aggregate({ series: [], codes: {}, peakConcurrency: 0 }, 4, "1h", 3_600_000);
  assert.equal(m.invocations, 0);
  assert.equal(m.errorRate, 0);
  assert.deepEqual(m.duration, { avg: 0, p50: 0, p95: 0, p99: 0 });
  assert.deepEqual(m.concurrency, { current: 4, max: 4 });
  assert.equal(m.series.length, 13);
});
