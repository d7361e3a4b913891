/**
 * The in-process counters `rateLimit()` falls back to outside an edge node (`bunbase dev`,
 * tests, plain Node): the approximated sliding window of edge-node/src/rules/sliding-window.ts
 * (its comment has the reasoning), counted per isolate. On an edge node the node's own
 * counters answer instead, exact across its workers.
 */
export interface RateLimitVerdict {
  allowed: boolean;
  limit: number;
  remaining: number;
  resetSeconds: number;
}

interface Counter {
  windowStart: number;
  previous: number;
  current: number;
}

const MAX_KEYS = 10_000;

export class LocalLimiter {
  readonly #counters = new Map<string, Counter>();

  hit(key: string, limit: number, windowMs: number, now = Date.now()): RateLimitVerdict {
    const windowStart = Math.floor(now / windowMs) * windowMs;
    const counter = this.#counters.get(key) ?? { windowStart, previous: 0, current: 0 };
    // Re-inserted on every hit: the Map's order is then least recently used first.
    this.#counters.delete(key);
    this.#counters.set(key, counter);
    if (this.#counters.size > MAX_KEYS) this.#counters.delete(this.#counters.keys().next().value as string);
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
}

function waitMs(counter: Counter, limit: number, windowMs: number, elapsed: number): number {
  const left = windowMs - elapsed;
  if (counter.current + 1 <= limit && counter.previous > 0) {
    return Math.max(0, left - ((limit - 1 - counter.current) * windowMs) / counter.previous);
  }
  return left + Math.max(0, windowMs * (1 - (limit - 1) / counter.current));
}

/** Whole seconds, rounded up, at least 1. */
function seconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
