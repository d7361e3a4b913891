/**
 * `edge.cors` (Fetch standard, "CORS protocol"): the edge answers preflights itself and
 * adds the CORS headers to every other response of the function, its own rejections
 * included, so a browser can read a 401 or 429. With credentials the allowed origin is
 * echoed, never `*` (a browser refuses `*` on a credentialed request).
 */
import type { EdgeConfig } from "../../../bundler/index.ts";
import type { HeaderList } from "./header-list.ts";

type CorsConfig = NonNullable<EdgeConfig["cors"]>;

/** What the `cors` npm package and most servers allow when no methods are configured. */
const DEFAULT_METHODS = ["GET", "HEAD", "PUT", "PATCH", "POST", "DELETE"];

export class CorsPolicy {
  readonly #anyOrigin: boolean;
  readonly #origins: Set<string>;
  readonly #credentials: boolean;
  readonly #methods: string;
  readonly #headers: string | undefined;
  readonly #maxAge: string | undefined;

  constructor(config: CorsConfig) {
    this.#anyOrigin = config.origin === "*";
    this.#origins = new Set(config.origin === "*" ? [] : config.origin.map((o) => o.toLowerCase()));
    this.#credentials = config.credentials === true;
    this.#methods = (config.methods ?? DEFAULT_METHODS).join(", ");
    this.#headers = config.headers?.join(", ");
    this.#maxAge = config.maxAge === undefined ? undefined : String(config.maxAge);
  }

  /** A CORS preflight: OPTIONS carrying `access-control-request-method`. */
  static isPreflight(method: string, requestMethod: string | undefined): boolean {
    return method === "OPTIONS" && requestMethod !== undefined;
  }

  /** The 204 answer to a preflight. An origin not allowed gets no allow headers: the browser stops there. */
  preflight(origin: string | undefined, requestHeaders: string | undefined): HeaderList {
    const out = this.#allowOrigin(origin);
    if (!this.#echoes) out.push(["vary", "origin"]); // the preflight's answer always depends on it
    if (out[0][0] === "vary") return out;
    out.push(["access-control-allow-methods", this.#methods]);
    // Without a configured list, the headers the browser asks for are allowed (as `cors` does).
    const allowHeaders = this.#headers ?? requestHeaders;
    if (allowHeaders) out.push(["access-control-allow-headers", allowHeaders]);
    if (this.#headers === undefined && requestHeaders) out.push(["vary", "access-control-request-headers"]);
    if (this.#maxAge !== undefined) out.push(["access-control-max-age", this.#maxAge]);
    return out;
  }

  /** Headers for an actual (non-preflight) response. */
  response(origin: string | undefined): HeaderList {
    return this.#allowOrigin(origin);
  }

  /** The answer depends on the Origin whenever it is not a plain `*`: caches must know. */
  get #echoes(): boolean {
    return !this.#anyOrigin || this.#credentials;
  }

  #allowOrigin(origin: string | undefined): HeaderList {
    const echoes = this.#echoes;
    const vary: HeaderList = echoes ? [["vary", "origin"]] : [];
    if (origin === undefined) return vary;
    if (!this.#anyOrigin && !this.#origins.has(origin.toLowerCase())) return vary;
    const out: HeaderList = [["access-control-allow-origin", echoes ? origin : "*"], ...vary];
    if (this.#credentials) out.push(["access-control-allow-credentials", "true"]);
    return out;
  }
}
