/**
 * The approximated sliding window (edge-node/src/rules/sliding-window.ts has the
 * reasoning), and the in-process counters `rateLimit()` falls back to outside an edge node
 * (`bunbase dev`, tests, plain Node), counted per isolate. On an edge node the node's own
 * counters answer instead, exact across its workers. Pure: no imports, no web API.
 */
export interface RateLimitVerdict {
  allowed: boolean;
  limit: number;
  /** Requests still allowed right now after this one. */
  remaining: number;
  /** Seconds until the current window ends (allowed), or until a request is allowed again (refused). */
  resetSeconds: number;
}

/** One key's counts: this fixed window's and the previous one's. */
export interface WindowCounter {
  windowStart: number;
  previous: number;
  current: number;
}

/**
 * Counts one request against `counter` (made by the caller as `{ windowStart: 0, previous:
 * 0, current: 0 }` for a new key) at time `now`. The one implementation of the window: the
 * edge node's counters (edge-node/src/rules/sliding-window.ts) call it too, so the config
 * block and `rateLimit()` count alike.
 */
export function countHit(counter: WindowCounter, limit: number, windowMs: number, now: number): RateLimitVerdict {
  const windowStart = Math.floor(now / windowMs) * windowMs;
  if (counter.windowStart !== windowStart) {
    counter.previous = counter.windowStart === windowStart - windowMs ? counter.current : 0;
    counter.current = 0;
    counter.windowStart = windowStart;
  }
  const elapsed = now - windowStart;
  const estimate = (counter.previous * (windowMs - elapsed)) / windowMs + counter.current;
  if (estimate + 1 <= limit) {
    counter.current += 1;
    return {
      allowed: true,
      limit,
      remaining: Math.max(0, Math.floor(limit - estimate - 1)),
      resetSeconds: seconds(windowMs - elapsed),
    };
  }
  return { allowed: false, limit, remaining: 0, resetSeconds: seconds(waitMs(counter, limit, windowMs, elapsed)) };
}

const MAX_KEYS = 10_000;

export class LocalLimiter {
  readonly #counters = new Map<string, WindowCounter>();

  hit(key: string, limit: number, windowMs: number, now = Date.now()): RateLimitVerdict {
    const counter = this.#counters.get(key) ?? { windowStart: 0, previous: 0, current: 0 };
    // Re-inserted on every hit: the Map's order is then least recently used first.
    this.#counters.delete(key);
    this.#counters.set(key, counter);
    if (this.#counters.size > MAX_KEYS) this.#counters.delete(this.#counters.keys().next().value as string);
    return countHit(counter, limit, windowMs, now);
  }
}

/** How long until `previous * weight + current + 1 <= limit` holds again. */
function waitMs(counter: WindowCounter, limit: number, windowMs: number, elapsed: number): number {
  const left = windowMs - elapsed;
  if (counter.current + 1 <= limit && counter.previous > 0) {
    // Within this window, as the previous window's share shrinks.
    return Math.max(0, left - ((limit - 1 - counter.current) * windowMs) / counter.previous);
  }
  // After this window ends, once this window's count (then the previous) has shrunk enough.
  return left + Math.max(0, windowMs * (1 - (limit - 1) / counter.current));
}

/** Whole seconds, rounded up, at least 1 (`retry-after: 0` would invite a busy loop). */
function seconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
