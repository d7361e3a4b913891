/**
 * The contract 2.5 metrics shape from a window's invocation aggregates: counts and sums
 * are exact, duration percentiles come from the merged histogram (within ~2%).
 */
import { histogramCount, histogramPercentile, mergeHistogram, type Histogram } from "../../../core/index.ts";
import type { WindowStats } from "../store/index.ts";
import { addRow, emptySeriesRow } from "../store/invocation-stats-store.ts";

export const WINDOWS = {
  "5m": { ms: 5 * 60_000, bucketMs: 30_000 },
  "1h": { ms: 60 * 60_000, bucketMs: 5 * 60_000 },
  "24h": { ms: 24 * 60 * 60_000, bucketMs: 60 * 60_000 },
} as const;
export type WindowName = keyof typeof WINDOWS;

export interface FunctionMetrics {
  window: WindowName;
  invocations: number;
  errors: number;
  errorRate: number;
  coldStarts: number;
  coldStartRate: number;
  timeouts: number;
  throttles: number;
  duration: { avg: number; p50: number; p95: number; p99: number };
  memoryMb: { avg: number; max: number };
  cpuMs: { avg: number; max: number };
  concurrency: { current: number; max: number };
  series: { t: string; invocations: number; errors: number; p95: number }[];
}

const round = (n: number) => Math.round(n * 100) / 100;
const ratio = (part: number, whole: number) => (whole ? round((part / whole) * 10_000) / 10_000 : 0);
const mean = (sum: number, count: number) => (count ? round(sum / count) : 0);

/**
 * `stats` holds the window's aggregates rolled up into its series buckets;
 * `currentConcurrency` is what the reporters heard from lately have in flight.
 */
export function aggregate(
  stats: WindowStats,
  currentConcurrency: number,
  window: WindowName,
  nowMs: number,
): FunctionMetrics {
  const { ms, bucketMs } = WINDOWS[window];
  const total = emptySeriesRow(0);
  const hist: Histogram = total.durationHist;
  const byT = new Map<number, FunctionMetrics["series"][number]>();
  for (const row of stats.series) {
    addRow(total, row);
    mergeHistogram(hist, row.durationHist);
    const p95 = round(histogramPercentile(row.durationHist, 95));
    byT.set(row.t, { t: new Date(row.t).toISOString(), invocations: row.invocations, errors: row.errors, p95 });
  }
  const series: FunctionMetrics["series"] = [];
  for (let t = Math.floor((nowMs - ms) / bucketMs) * bucketMs; t <= nowMs; t += bucketMs) {
    series.push(byT.get(t) ?? { t: new Date(t).toISOString(), invocations: 0, errors: 0, p95: 0 });
  }
  const n = total.invocations;
  const timed = histogramCount(hist);
  return {
    window,
    invocations: n,
    errors: total.errors,
    errorRate: ratio(total.errors, n),
    coldStarts: total.coldStarts,
    coldStartRate: ratio(total.coldStarts, n),
    timeouts: stats.codes.FN_002 ?? 0,
    throttles: stats.codes.FN_007 ?? 0,
    duration: {
      avg: mean(total.durationSumMs, n),
      p50: round(histogramPercentile(hist, 50, timed)),
      p95: round(histogramPercentile(hist, 95, timed)),
      p99: round(histogramPercentile(hist, 99, timed)),
    },
    memoryMb: { avg: mean(total.memorySum, total.memoryCount), max: round(total.memoryMax) },
    cpuMs: { avg: mean(total.cpuSum, total.cpuCount), max: round(total.cpuMax) },
    // What is in flight now has not reached the peaks yet (an invocation is folded when it ends).
    concurrency: { current: currentConcurrency, max: Math.max(stats.peakConcurrency, currentConcurrency) },
    series,
  };
}
