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

import { countHit, type RateLimitVerdict, type WindowCounter } from "../../../sdk/src/sliding-window.guest.ts";

/** The counting itself is the SDK's pure countHit(): `rateLimit()` in code counts alike. */
export type RateLimitResult = RateLimitVerdict;

export interface SlidingWindowOptions {
  maxKeys?: number;
  now?: () => number;
}

const SWEEP_EVERY_MS = 10_000;

export class SlidingWindowLimiter {
  readonly #counters = new Map<string, WindowCounter & { windowMs: number }>();
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
    const counter = this.#counters.get(key) ?? { windowStart: 0, previous: 0, current: 0, windowMs };
    // Re-inserted on every hit: the Map's order is then least recently used first.
    this.#counters.delete(key);
    this.#counters.set(key, counter);
    if (this.#counters.size > this.#maxKeys) this.#counters.delete(this.#counters.keys().next().value!);
    return countHit(counter, limit, windowMs, now);
  }

  #sweep(now: number): void {
    if (now - this.#lastSweep < SWEEP_EVERY_MS) return;
    this.#lastSweep = now;
    for (const [key, counter] of this.#counters) {
      if (now >= counter.windowStart + 2 * counter.windowMs) this.#counters.delete(key);
    }
  }
}
