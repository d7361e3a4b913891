/**
 * Retry delays: exponential backoff with "equal jitter" ("Exponential Backoff and Jitter",
 * AWS Architecture Blog, 2015): attempt n waits a uniform random time in [c/2, c] with
 * c = min(cap, base * 2^(n-1)). The jitter spreads the retries of a burst; keeping the
 * lower half (rather than full jitter's [0, c]) makes every wait at least as long as the
 * one before, which users can rely on (docs/triggers.md).
 */

export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 500, capMs: 5 * 60_000 };

/** The ceiling of the wait after failed attempt `attempt` (1-based). */
export function backoffCeiling(attempt: number, p: BackoffPolicy): number {
  return Math.min(p.capMs, p.baseMs * 2 ** Math.max(0, Math.min(attempt - 1, 40)));
}

/** The wait after failed attempt `attempt`; `random` is injectable for tests. */
export function backoffDelay(attempt: number, p: BackoffPolicy, random: () => number = Math.random): number {
  const ceiling = backoffCeiling(attempt, p);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** `BUNBASE_RETRY_BASE_MS` (tests shorten it), the default otherwise. */
export function backoffFromEnv(env: NodeJS.ProcessEnv = process.env): BackoffPolicy {
  const base = Number(env.BUNBASE_RETRY_BASE_MS);
  return Number.isFinite(base) && base >= 0 && env.BUNBASE_RETRY_BASE_MS !== ""
    ? { ...DEFAULT_BACKOFF, baseMs: base }
    : DEFAULT_BACKOFF;
}
