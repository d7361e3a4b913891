/** Pure aggregation of invocation records into the contract 2.5 metrics shape. */
import type { InvocationStat } from "../store/index.ts";

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

/** Nearest-rank percentile (p in 0..100) of ascending `sorted`; 0 for none. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export const isError = (s: InvocationStat): boolean => s.errorCode !== null || s.status >= 500;

const round = (n: number) => Math.round(n * 100) / 100;
const avg = (xs: number[]) => (xs.length ? round(xs.reduce((a, b) => a + b, 0) / xs.length) : 0);
const max = (xs: number[]) => (xs.length ? round(Math.max(...xs)) : 0);

/**
 * Concurrency from overlapping [start, start + duration] intervals: `max` is the peak of a
 * sweep over start/end points, `current` how many are open at `nowMs`.
 */
export function concurrency(stats: InvocationStat[], nowMs: number): { current: number; max: number } {
  const points: [number, number][] = [];
  for (const s of stats) points.push([s.startedAt, 1], [s.startedAt + s.durationMs, -1]);
  // Ends before starts at the same instant: back-to-back calls are not concurrent.
  points.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let open = 0;
  let peak = 0;
  for (const [, d] of points) peak = Math.max(peak, (open += d));
  const current = stats.filter((s) => s.startedAt <= nowMs && s.startedAt + s.durationMs > nowMs).length;
  return { current, max: peak };
}

export function aggregate(all: InvocationStat[], window: WindowName, nowMs: number): FunctionMetrics {
  const { ms, bucketMs } = WINDOWS[window];
  const from = nowMs - ms;
  const stats = all.filter((s) => s.startedAt >= from && s.startedAt <= nowMs);
  const durations = stats.map((s) => s.durationMs).sort((a, b) => a - b);
  const errors = stats.filter(isError).length;
  const coldStarts = stats.filter((s) => s.coldStart).length;
  const n = stats.length;
  const mem = stats.flatMap((s) => (s.memoryMb === null ? [] : [s.memoryMb]));
  const cpu = stats.flatMap((s) => (s.cpuMs === null ? [] : [s.cpuMs]));
  const firstBucket = Math.floor(from / bucketMs) * bucketMs;
  const series: FunctionMetrics["series"] = [];
  for (let t = firstBucket; t <= nowMs; t += bucketMs) {
    const inBucket = stats.filter((s) => s.startedAt >= t && s.startedAt < t + bucketMs);
    series.push({
      t: new Date(t).toISOString(),
      invocations: inBucket.length,
      errors: inBucket.filter(isError).length,
      p95: round(
        percentile(
          inBucket.map((s) => s.durationMs).sort((a, b) => a - b),
          95,
        ),
      ),
    });
  }
  return {
    window,
    invocations: n,
    errors,
    errorRate: n ? round((errors / n) * 10_000) / 10_000 : 0,
    coldStarts,
    coldStartRate: n ? round((coldStarts / n) * 10_000) / 10_000 : 0,
    timeouts: stats.filter((s) => s.errorCode === "FN_002").length,
    throttles: stats.filter((s) => s.errorCode === "FN_007").length,
    duration: {
      avg: avg(durations),
      p50: round(percentile(durations, 50)),
      p95: round(percentile(durations, 95)),
      p99: round(percentile(durations, 99)),
    },
    memoryMb: { avg: avg(mem), max: max(mem) },
    cpuMs: { avg: avg(cpu), max: max(cpu) },
    // Intervals that started before the window but overlap it still count toward concurrency.
    concurrency: concurrency(
      all.filter((s) => s.startedAt + s.durationMs >= from),
      nowMs,
    ),
    series,
  };
}
