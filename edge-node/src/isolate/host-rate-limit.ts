/**
 * The host half of `rateLimit()` from `@bunbase/functions`: the `rateLimit.take` host call.
 * It counts in the store the pool was given (on an edge node, the one the `edge.rateLimit`
 * config block uses: exact across the node's workers), under keys the host builds:
 *
 *     sdk:<function id>\n<limit>/<windowMs>\n(ip:<client address> | h:<header>:<value>)
 *
 * so a function's counters never meet another function's, nor the config block's (whose
 * keys start with the bare function id). The function id and the client address come from
 * the invocation (the pool), never from the guest; every argument is checked as the config
 * schema checks `edge.rateLimit` (bundler/src/edge-schema.ts).
 */
import { HostCallError, type HostCallContext } from "./host-calls.ts";
import type { RateLimitTake, RateLimitVerdict } from "./protocol.ts";
import type { RateLimitCounter } from "./types.ts";

/** Per invocation, from the pool: where it counts and whom for. */
export interface InvocationRateLimit {
  counter: RateLimitCounter;
  functionId: string;
  /** The client's address as the edge determined it; "" when there is none (internal invoke). */
  clientIp: string;
}

const MAX_LIMIT = 1_000_000_000;
const MIN_WINDOW_MS = 1000;
/** `999999d`, the longest duration the config accepts. */
const MAX_WINDOW_MS = 999_999 * 86_400_000;
const MAX_HEADER_NAME = 256;
/** The SDK sends longer header values as their SHA-256. */
const MAX_VALUE = 256;
/** A request passes through a few limiters, not thousands: a bound on keys one invocation adds. */
export const MAX_TAKES_PER_INVOCATION = 16;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;

export class HostRateLimit {
  readonly #scope: (key: number) => { rateLimit?: InvocationRateLimit } | undefined;
  readonly #takes = new Map<number, number>();

  constructor(scope: (key: number) => { rateLimit?: InvocationRateLimit } | undefined) {
    this.#scope = scope;
  }

  readonly take = async (args: unknown, call: HostCallContext): Promise<RateLimitVerdict> => {
    const scope = this.#scope(call.key);
    if (scope === undefined) throw new HostCallError("InvalidStateError", "rateLimit: no invocation in flight");
    const rateLimit = scope.rateLimit;
    if (rateLimit === undefined) {
      // The SDK then counts in the isolate (bunbase dev, a pool without a store).
      throw new HostCallError("NotSupportedError", "rateLimit: this host keeps no rate limit counters");
    }
    const take = checkTake(args);
    const count = (this.#takes.get(call.key) ?? 0) + 1;
    if (count > MAX_TAKES_PER_INVOCATION) {
      throw new HostCallError("QuotaExceededError", `rateLimit: at most ${MAX_TAKES_PER_INVOCATION} per request`);
    }
    this.#takes.set(call.key, count);
    const result = await rateLimit.counter.hit(counterKey(rateLimit, take), take.limit, take.windowMs);
    return {
      allowed: result.allowed === true,
      limit: take.limit,
      remaining: wholeOrZero(result.remaining),
      resetSeconds: Math.max(1, wholeOrZero(result.resetSeconds)),
    };
  };

  endInvocation(key: number): void {
    this.#takes.delete(key);
  }
}

export function counterKey(scope: InvocationRateLimit, take: RateLimitTake): string {
  const who = take.value === null ? `ip:${scope.clientIp}` : `h:${take.header}:${take.value}`;
  return `sdk:${scope.functionId}\n${take.limit}/${take.windowMs}\n${who}`;
}

/** The guest's arguments, checked field by field into a fresh object (nothing else is read). */
export function checkTake(args: unknown): RateLimitTake {
  if (typeof args !== "object" || args === null) throw new HostCallError("TypeError", "rateLimit: bad arguments");
  const { limit, windowMs, header, value } = args as Record<string, unknown>;
  if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new HostCallError("RangeError", `rateLimit: maxRequests must be an integer from 1 to ${MAX_LIMIT}`);
  }
  if (
    typeof windowMs !== "number" ||
    !Number.isInteger(windowMs) ||
    windowMs % 1000 !== 0 ||
    windowMs < MIN_WINDOW_MS ||
    windowMs > MAX_WINDOW_MS
  ) {
    throw new HostCallError("RangeError", "rateLimit: window must be whole seconds, from 1s to 999999d");
  }
  if (header === null && value === null) return { limit, windowMs, header, value };
  if (typeof header !== "string" || header.length > MAX_HEADER_NAME || !TOKEN.test(header)) {
    throw new HostCallError("TypeError", "rateLimit: header must be a lower-case HTTP header name");
  }
  if (typeof value !== "string" || value.length === 0 || value.length > MAX_VALUE) {
    throw new HostCallError("RangeError", `rateLimit: a key value is 1 to ${MAX_VALUE} characters`);
  }
  return { limit, windowMs, header, value };
}

function wholeOrZero(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;
}
