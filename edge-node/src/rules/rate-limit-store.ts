/**
 * Where the rate limiter's counters live. In a cluster they must be shared, or each
 * worker would allow `maxRequests` on its own: the primary keeps them (it never runs user
 * code, so it is the one process every worker outlives) and workers ask it over the
 * cluster IPC channel. A single process (BUNBASE_EDGE_WORKERS=1, the runner) keeps them
 * itself.
 */
import { SlidingWindowLimiter, type RateLimitResult } from "./sliding-window.ts";

/** Worker to primary: count one request against a key (server/cluster-messages.ts carries it). */
export interface RateLimitHit {
  type: "rate-limit-hit";
  id: number;
  key: string;
  limit: number;
  windowMs: number;
}

/** Primary to worker: the answer to a RateLimitHit. */
export interface RateLimitAnswer {
  type: "rate-limit-result";
  id: number;
  result: RateLimitResult;
}

export interface RateLimitStore {
  hit(key: string, limit: number, windowMs: number): Promise<RateLimitResult>;
}

export class LocalRateLimitStore implements RateLimitStore {
  constructor(readonly limiter = new SlidingWindowLimiter()) {}

  hit(key: string, limit: number, windowMs: number): Promise<RateLimitResult> {
    return Promise.resolve(this.limiter.hit(key, limit, windowMs));
  }
}

/**
 * A cluster worker's view: every hit is one IPC round trip to the primary. If the primary
 * does not answer within `timeoutMs` (it is stopping, or overloaded) the worker counts in
 * its own limiter for that request: limits hold per worker rather than not at all.
 */
export class ClusterRateLimitStore implements RateLimitStore {
  readonly #pending = new Map<number, (result: RateLimitResult) => void>();
  readonly #fallback = new SlidingWindowLimiter();
  #nextId = 1;

  constructor(private readonly timeoutMs = 1000) {
    process.on("message", (message: RateLimitAnswer | { type?: undefined }) => {
      if (message?.type === "rate-limit-result") this.#pending.get(message.id)?.(message.result);
    });
  }

  hit(key: string, limit: number, windowMs: number): Promise<RateLimitResult> {
    const id = this.#nextId++;
    return new Promise((resolve) => {
      const settle = (result: RateLimitResult) => {
        clearTimeout(timer);
        this.#pending.delete(id);
        resolve(result);
      };
      const timer = setTimeout(() => settle(this.#fallback.hit(key, limit, windowMs)), this.timeoutMs);
      this.#pending.set(id, settle);
      const message: RateLimitHit = { type: "rate-limit-hit", id, key, limit, windowMs };
      process.send?.(message);
    });
  }
}

/** The store for this process: `clustered` when it is a worker of a supervised edge cluster. */
export function rateLimitStore(clustered: boolean): RateLimitStore {
  return clustered ? new ClusterRateLimitStore() : new LocalRateLimitStore();
}
