/**
 * `rateLimit()`: the `edge.rateLimit` config block as a middleware, with its answers: at
 * most `maxRequests` per `window` per key (`"ip"`, the default, or `"header:<name>"`, a
 * request without the header counted under its address), 429 FN_007 with `retry-after`
 * over the limit, and the IETF RateLimit fields (`ratelimit-limit`, `-remaining`, `-reset`,
 * `-policy`) on every response that passes through it.
 *
 * On an edge node the counting is the node's: the runtime leaves a capability on
 * globalThis (RATE_LIMIT_CAPABILITY, non-enumerable and frozen) whose `take()` asks the
 * host, which counts in the same store as the config block, exact across the node's
 * workers, under keys of this function's own (edge-node/src/isolate/host-rate-limit.ts).
 * The client address never passes through here: the host knows it. Elsewhere (no
 * capability, or a host without a store) the counters are this isolate's own.
 */
import type { Middleware } from "./context.guest.ts";
import { errorResponse, withHeaders } from "./error-response.guest.ts";
import { LocalLimiter, type RateLimitVerdict } from "./sliding-window.guest.ts";

export interface RateLimitOptions {
  maxRequests: number;
  /** `"30s"`, `"1m"`, `"1h"`, `"1d"`. */
  window: string;
  key?: "ip" | `header:${string}`;
}

/** The name edge-node/src/isolate/protocol.ts gives it (a test keeps the two equal). */
export const RATE_LIMIT_CAPABILITY = "__bunbase_rate_limit";

/** What the capability takes: `header`/`value` null to count by the client address. */
export interface RateLimitTake {
  limit: number;
  windowMs: number;
  header: string | null;
  value: string | null;
}

interface Capability {
  take(args: RateLimitTake): Promise<RateLimitVerdict>;
}

const DURATION = /^([1-9]\d{0,5})(s|m|h|d)$/;
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const KEY = /^(ip|header:[A-Za-z0-9!#$%&'*+.^_`|~-]+)$/;
/** Longer header values are counted by their SHA-256 (the host takes at most this much). */
export const MAX_KEY_VALUE = 256;

/** Per isolate, made on first use. */
let local: LocalLimiter | undefined;

export function rateLimit(options: RateLimitOptions): Middleware {
  if (typeof options !== "object" || options === null) throw new TypeError("rateLimit(): options must be an object");
  const { maxRequests, window } = options;
  if (!Number.isInteger(maxRequests) || maxRequests < 1 || maxRequests > 1_000_000_000) {
    throw new TypeError("rateLimit(): maxRequests must be an integer from 1 to 1000000000");
  }
  const duration = typeof window === "string" ? DURATION.exec(window) : null;
  if (duration === null) throw new TypeError('rateLimit(): window must be a duration like "30s", "1m", "1h" or "1d"');
  const windowMs = Number(duration[1]) * UNIT_MS[duration[2] as keyof typeof UNIT_MS];
  const key = options.key ?? "ip";
  if (typeof key !== "string" || !KEY.test(key))
    throw new TypeError('rateLimit(): key must be "ip" or "header:<name>"');
  const header = key === "ip" ? null : key.slice("header:".length).toLowerCase();
  const policy = `${maxRequests};w=${Math.round(windowMs / 1000)}`;

  return async function rateLimitMiddleware(req, ctx, next) {
    const given = header === null ? null : req.headers.get(header);
    const value = given ? await bounded(given) : null;
    const verdict = await take({ limit: maxRequests, windowMs, header: value === null ? null : header, value });
    const headers: Record<string, string> = {
      "ratelimit-limit": String(verdict.limit),
      "ratelimit-remaining": String(verdict.remaining),
      "ratelimit-reset": String(verdict.resetSeconds),
      "ratelimit-policy": policy,
    };
    if (!verdict.allowed) {
      const refusal = {
        status: 429,
        code: "FN_007",
        message: `Rate limit of ${maxRequests} requests per ${windowMs / 1000}s exceeded`,
        headers: { ...headers, "retry-after": String(verdict.resetSeconds) },
        details: { limit: maxRequests, windowSeconds: windowMs / 1000 },
      };
      return errorResponse(refusal, ctx.requestId);
    }
    return withHeaders(await next(), headers);
  };
}

async function take(args: RateLimitTake): Promise<RateLimitVerdict> {
  const capability = (globalThis as Record<string, unknown>)[RATE_LIMIT_CAPABILITY] as Capability | undefined;
  if (capability !== undefined) {
    try {
      return await capability.take(args);
    } catch (err) {
      // A host without a node-wide store (bunbase dev): count here. Anything else is a bug to see.
      if (!(err instanceof Error && err.name === "NotSupportedError")) throw err;
    }
  }
  local ??= new LocalLimiter();
  const key = `${args.limit}/${args.windowMs}\n${args.value === null ? "ip" : `h:${args.header}:${args.value}`}`;
  return local.hit(key, args.limit, args.windowMs);
}

/** A header value as a key of bounded length: long ones by their SHA-256 (base64url). */
async function bounded(value: string): Promise<string> {
  if (value.length <= MAX_KEY_VALUE) return value;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(value)));
  return `sha256:${btoa(String.fromCharCode(...digest))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "")}`;
}
