/**
 * `edge.rateLimit`: at most `maxRequests` per `window` per function and key, where the key
 * is the client's IP (`key: "ip"`, the default) or a request header's value
 * (`key: "header:x-user"`); a request without that header is keyed by its IP instead, so
 * omitting the header never escapes the limit. Over the limit: 429 FN_007 with
 * `retry-after`. Every response of the function carries the IETF RateLimit header fields
 * (draft-ietf-httpapi-ratelimit-headers: `ratelimit-limit`, `ratelimit-remaining`,
 * `ratelimit-reset`, in seconds, and `ratelimit-policy`).
 */
import type { EdgeConfig } from "../../../bundler/index.ts";
import { durationToMs } from "../../../bundler/src/value-checks.ts";
import { BunbaseError } from "../../../core/index.ts";
import type { HeaderList } from "./header-list.ts";
import type { RateLimitStore } from "./rate-limit-store.ts";
import type { RateLimitResult } from "./sliding-window.ts";

type RateLimitConfig = NonNullable<EdgeConfig["rateLimit"]>;

export interface RateLimitOutcome {
  headers: HeaderList;
  error?: BunbaseError;
}

export class RateLimitRule {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #header: string | undefined;
  readonly #prefix: string;

  constructor(functionId: string, config: RateLimitConfig) {
    this.#limit = config.maxRequests;
    this.#windowMs = durationToMs(config.window) ?? 60_000;
    const key = config.key ?? "ip";
    this.#header = key.startsWith("header:") ? key.slice("header:".length).toLowerCase() : undefined;
    // A new limit or window starts fresh counters rather than reinterpreting old ones.
    this.#prefix = `${functionId}\n${this.#limit}/${this.#windowMs}\n`;
  }

  /** The counter key of a request: `h:<value>` of the configured header, else `ip:<address>`. */
  keyOf(clientIp: string, header: (name: string) => string | undefined): string {
    const value = this.#header === undefined ? undefined : header(this.#header);
    return this.#prefix + (value === undefined || value === "" ? `ip:${clientIp}` : `h:${value}`);
  }

  async check(store: RateLimitStore, key: string): Promise<RateLimitOutcome> {
    const result = await store.hit(key, this.#limit, this.#windowMs);
    const headers = rateLimitHeaders(result, this.#windowMs);
    if (result.allowed) return { headers };
    const error = new BunbaseError(
      "FN_007",
      `Rate limit of ${this.#limit} requests per ${this.#windowMs / 1000}s exceeded`,
      {
        details: { limit: this.#limit, windowSeconds: this.#windowMs / 1000 },
        headers: { "retry-after": String(result.resetSeconds) },
      },
    );
    return { headers, error };
  }
}

export function rateLimitHeaders(result: RateLimitResult, windowMs: number): HeaderList {
  return [
    ["ratelimit-limit", String(result.limit)],
    ["ratelimit-remaining", String(result.remaining)],
    ["ratelimit-reset", String(result.resetSeconds)],
    ["ratelimit-policy", `${result.limit};w=${Math.round(windowMs / 1000)}`],
  ];
}
