/** `cors()`: CORS per the Fetch standard, as the `edge.cors` config block does it. */
import type { Middleware } from "./context.guest.ts";

export interface CorsOptions {
  /** `"*"`, or the exact origins allowed (`https://app.example.com`). */
  origin: "*" | string[];
  methods?: string[];
  /** Request headers allowed; by default the ones the preflight asks for. */
  headers?: string[];
  exposeHeaders?: string[];
  credentials?: boolean;
  /** Seconds a browser may cache the preflight answer. */
  maxAge?: number;
}

const DEFAULT_CORS_METHODS = ["GET", "HEAD", "PUT", "PATCH", "POST", "DELETE"];

/**
 * CORS per the Fetch standard (section 3.2): answers preflight `OPTIONS` with 204 and the
 * `access-control-allow-*` headers, and adds the allow headers to every other response.
 * With a list of origins (or with credentials) the request's origin is echoed back, so
 * `vary: Origin` keeps caches from serving one origin's answer to another.
 */
export function cors(options: CorsOptions): Middleware {
  if (options.origin !== "*" && !Array.isArray(options.origin)) {
    throw new TypeError('cors(): origin must be "*" or an array of origins');
  }
  const allowed = options.origin === "*" ? undefined : new Set(options.origin);
  const methods = (options.methods ?? DEFAULT_CORS_METHODS).join(", ");
  const echoOrigin = allowed !== undefined || options.credentials === true;

  const allowOrigin = (requestOrigin: string | null): string | undefined => {
    if (requestOrigin === null) return allowed === undefined && !options.credentials ? "*" : undefined;
    if (allowed !== undefined && !allowed.has(requestOrigin)) return undefined;
    return echoOrigin ? requestOrigin : "*";
  };

  const common = (headers: Headers, origin: string | undefined) => {
    if (echoOrigin) appendVary(headers, "Origin");
    if (origin === undefined) return;
    headers.set("access-control-allow-origin", origin);
    if (options.credentials) headers.set("access-control-allow-credentials", "true");
  };

  return async function corsMiddleware(req, _ctx, next) {
    const origin = allowOrigin(req.headers.get("origin"));
    const preflight = req.method === "OPTIONS" && req.headers.has("access-control-request-method");
    if (preflight) {
      const headers = new Headers();
      common(headers, origin);
      if (origin !== undefined) {
        headers.set("access-control-allow-methods", methods);
        const requested = req.headers.get("access-control-request-headers");
        const allowHeaders = options.headers ? options.headers.join(", ") : requested;
        if (allowHeaders) headers.set("access-control-allow-headers", allowHeaders);
        if (!options.headers && requested) appendVary(headers, "Access-Control-Request-Headers");
        if (options.maxAge !== undefined) headers.set("access-control-max-age", String(options.maxAge));
      }
      return new Response(null, { status: 204, headers });
    }
    const response = await next();
    // Responses may carry immutable headers (e.g. from fetch()): copy before touching them.
    const out = new Response(response.body, response);
    common(out.headers, origin);
    if (origin !== undefined && options.exposeHeaders?.length) {
      out.headers.set("access-control-expose-headers", options.exposeHeaders.join(", "));
    }
    return out;
  };
}

function appendVary(headers: Headers, name: string): void {
  const current = headers.get("vary");
  if (!current) return headers.set("vary", name);
  const names = current.split(",").map((v) => v.trim().toLowerCase());
  if (!names.includes(name.toLowerCase()) && !names.includes("*")) headers.set("vary", `${current}, ${name}`);
}
