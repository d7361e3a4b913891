/**
 * The rate limiter's counters: an approximated sliding window (the sliding window counter
 * Cloudflare describes in "How we built rate limiting capable of scaling to millions of
 * domains", 2017). Each key keeps two counts, this fixed window's and the previous one's;
 * a request is allowed while
 *
 *     previous * (share of the sliding window still inside the previous window) + current + 1 <= limit
 *
 * so at most `limit` requests pass in a fresh window, a burst at a window boundary cannot
 * double the rate (as a fixed window lets it), and a key costs O(1) memory whatever the
 * limit (a sliding log would keep one timestamp per request). The approximation assumes
 * the previous window's requests were spread evenly across it. Refused requests do not
 * count.
 *
 * Memory is bounded: a key idle for two windows holds no information and is swept, and
 * beyond `maxKeys` the least recently used key is dropped (which can only loosen a limit).
 */

export interface RateLimitResult {
  allowed: boolean;
  limit: number;
  /** Requests still allowed right now after this one. */
  remaining: number;
  /** Seconds until the current window ends (allowed), or until a request is allowed again (refused). */
  resetSeconds: number;
}

interface Counter {
  windowStart: number;
  previous: number;
  current: number;
}

export interface SlidingWindowOptions {
  maxKeys?: number;
  now?: () => number;
}

const SWEEP_EVERY_MS = 10_000;

export class SlidingWindowLimiter {
  readonly #counters = new Map<string, Counter & { windowMs: number }>();
  readonly #maxKeys: number;
  readonly #now: () => number;
  #lastSweep = 0;

  constructor(options: SlidingWindowOptions = {}) {
    this.#maxKeys = options.maxKeys ?? 200_000;
    this.#now = options.now ?? Date.now;
  }

  get size(): number {
    return this.#counters.size;
  }

  hit(key: string, limit: number, windowMs: number): RateLimitResult {
    const now = this.#now();
    this.#sweep(now);
    const windowStart = Math.floor(now / windowMs) * windowMs;
    const counter = this.#counters.get(key) ?? { windowStart, previous: 0, current: 0, windowMs };
    // Re-inserted on every hit: the Map's order is then least recently used first.
    this.#counters.delete(key);
    this.#counters.set(key, counter);
    if (this.#counters.size > this.#maxKeys) this.#counters.delete(this.#counters.keys().next().value!);
    roll(counter, windowStart, windowMs);
    const elapsed = now - windowStart;
    const estimate = (counter.previous * (windowMs - elapsed)) / windowMs + counter.current;
    if (estimate + 1 <= limit) {
      counter.current += 1;
      const remaining = Math.max(0, Math.floor(limit - estimate - 1));
      return { allowed: true, limit, remaining, resetSeconds: seconds(windowMs - elapsed) };
    }
    return { allowed: false, limit, remaining: 0, resetSeconds: seconds(waitMs(counter, limit, windowMs, elapsed)) };
  }

  #sweep(now: number): void {
    if (now - this.#lastSweep < SWEEP_EVERY_MS) return;
    this.#lastSweep = now;
    for (const [key, counter] of this.#counters) {
      if (now >= counter.windowStart + 2 * counter.windowMs) this.#counters.delete(key);
    }
  }
}

function roll(counter: Counter, windowStart: number, windowMs: number): void {
  if (counter.windowStart === windowStart) return;
  counter.previous = counter.windowStart === windowStart - windowMs ? counter.current : 0;
  counter.current = 0;
  counter.windowStart = windowStart;
}

/** How long until `previous * weight + current + 1 <= limit` holds again. */
function waitMs(counter: Counter, limit: number, windowMs: number, elapsed: number): number {
  const left = windowMs - elapsed;
  if (counter.current + 1 <= limit && counter.previous > 0) {
    // Within this window, as the previous window's share shrinks.
    return Math.max(0, left - ((limit - 1 - counter.current) * windowMs) / counter.previous);
  }
  // After this window ends, once this window's count (then the previous) has shrunk enough.
  const intoNext = Math.max(0, windowMs * (1 - (limit - 1) / counter.current));
  return left + intoNext;
}

/** Whole seconds, rounded up, at least 1 (`retry-after: 0` would invite a busy loop). */
function seconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
