/**
 * `@bunbase/functions`: helpers user code imports, bundled into the user's bundle (the
 * bundler resolves the import here, no install needed). Runs inside the isolate, and also
 * inside the throwaway isolate that evaluates `function.config.ts`, so nothing here may
 * touch a web API at module load. Self-contained on purpose: the bundler loads this file
 * as one virtual module.
 */

/** What a handler receives besides the request (contract section 4). */
export interface Context {
  env: Record<string, string>;
  geo?: Record<string, string | number | undefined>;
  auth?: Record<string, unknown>;
  waitUntil(promise: Promise<unknown>): void;
  [key: string]: unknown;
}

export type Handler = (req: Request, ctx: Context) => Response | Promise<Response>;
export type Middleware = (req: Request, ctx: Context, next: () => Promise<Response>) => Promise<Response>;

/** Identity: gives a `function.config.ts` type checking and completion in editors. */
export function defineConfig<T extends Record<string, unknown>>(config: T): T {
  return config;
}

/**
 * `middleware([a, b, handler])`: `a` runs first and reaches `b` through `next()`, the last
 * element is the handler. Calling `next()` twice in one middleware is a bug we report.
 */
export function middleware(chain: [...Middleware[], Handler]): Handler {
  if (!Array.isArray(chain) || chain.length === 0) throw new TypeError("middleware() needs at least a handler");
  for (const fn of chain) if (typeof fn !== "function") throw new TypeError("middleware() takes functions only");
  const layers = chain.slice(0, -1) as Middleware[];
  const handler = chain[chain.length - 1] as Handler;
  return function composed(req, ctx) {
    const run = (index: number): Promise<Response> => {
      if (index === layers.length) return Promise.resolve(handler(req, ctx));
      let called = false;
      return layers[index](req, ctx, () => {
        if (called) return Promise.reject(new Error("next() called more than once"));
        called = true;
        return run(index + 1);
      });
    };
    return run(0);
  };
}

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

/** Comes with a later issue; until then the edge config's `edge.auth` block does this. */
export function auth(..._args: unknown[]): Middleware {
  throw new Error("@bunbase/functions auth() is not available yet: use the edge.auth config block");
}

/** Comes with a later issue; until then the edge config's `edge.rateLimit` block does this. */
export function rateLimit(..._args: unknown[]): Middleware {
  throw new Error("@bunbase/functions rateLimit() is not available yet: use the edge.rateLimit config block");
}
