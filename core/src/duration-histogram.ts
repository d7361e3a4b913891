/**
 * A log-scale histogram of durations (ms), the way DDSketch buckets values (Masson et
 * al., VLDB 2019): bucket i > 0 holds (MIN·γ^(i-1), MIN·γ^i], and its representative
 * 2·MIN·γ^i/(γ+1) is within (γ-1)/(γ+1) < 2% of every value in it. Sparse (index ->
 * count) and mergeable by adding counts, so edge nodes fold millions of invocations into
 * a few hundred numbers and the origin adds nodes and time buckets together.
 */

/** Bucket 0 holds 0 and everything up to this (1 µs). */
export const HISTOGRAM_MIN_MS = 0.001;
/** Growth between consecutive buckets: relative error (γ-1)/(γ+1) ≈ 1.96%. */
export const HISTOGRAM_GAMMA = 1.04;
/** The last bucket (1 hour and above): longer values are clamped into it. */
export const HISTOGRAM_MAX_INDEX = Math.ceil(Math.log(3_600_000 / HISTOGRAM_MIN_MS) / Math.log(HISTOGRAM_GAMMA));
/** The bound on |representative - value| / value for values in (MIN, 1 hour]. */
export const HISTOGRAM_RELATIVE_ERROR = (HISTOGRAM_GAMMA - 1) / (HISTOGRAM_GAMMA + 1);

/** Bucket index -> count; only non-empty buckets are present. */
export type Histogram = Record<number, number>;

const LOG_GAMMA = Math.log(HISTOGRAM_GAMMA);

export function histogramIndex(valueMs: number): number {
  if (!(valueMs > HISTOGRAM_MIN_MS)) return 0; // also NaN
  const index = Math.ceil(Math.log(valueMs / HISTOGRAM_MIN_MS) / LOG_GAMMA);
  return index < HISTOGRAM_MAX_INDEX ? index : HISTOGRAM_MAX_INDEX;
}

/** The value a bucket stands for: 0 for bucket 0. */
export function histogramValue(index: number): number {
  if (index <= 0) return 0;
  return (2 * HISTOGRAM_MIN_MS * HISTOGRAM_GAMMA ** index) / (HISTOGRAM_GAMMA + 1);
}

export function addToHistogram(hist: Histogram, valueMs: number, count = 1): void {
  const index = histogramIndex(valueMs);
  hist[index] = (hist[index] ?? 0) + count;
}

/** Adds `from`'s counts into `into`. */
export function mergeHistogram(into: Histogram, from: Histogram): void {
  for (const key in from) into[key as unknown as number] = (into[key as unknown as number] ?? 0) + from[key];
}

export function histogramCount(hist: Histogram): number {
  let n = 0;
  for (const key in hist) n += hist[key];
  return n;
}

/**
 * Nearest-rank percentile (p in 0..100): the representative of the bucket holding the
 * ceil(p/100·n)-th smallest value; 0 for an empty histogram. Integer keys of a plain
 * object enumerate in ascending order (ECMA-262 OrdinaryOwnPropertyKeys), so no sort.
 */
export function histogramPercentile(hist: Histogram, p: number, total = histogramCount(hist)): number {
  if (total === 0) return 0;
  const rank = Math.min(total, Math.max(1, Math.ceil((p / 100) * total)));
  let seen = 0;
  let last = 0;
  for (const key in hist) {
    last = Number(key);
    seen += hist[key];
    if (seen >= rank) break;
  }
  return histogramValue(last);
}
