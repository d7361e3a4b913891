/**
 * `@bunbase/functions`: helpers user code imports, bundled into the user's bundle (the
 * bundler resolves the import here, no install needed). Runs inside the isolate, and also
 * inside the throwaway isolate that evaluates `function.config.ts`, so nothing here (nor
 * in the files it imports) may touch a web API at module load.
 */
import type { Context, Handler, Middleware } from "./context.guest.ts";

export type { Context, Handler, Middleware };
export { cors, type CorsOptions } from "./cors.guest.ts";
export { auth, type AuthOptions } from "./auth.guest.ts";
export { rateLimit, type RateLimitOptions } from "./rate-limit.guest.ts";

/** Identity: gives a `function.config.ts` type checking and completion in editors. */
export function defineConfig<T extends Record<string, unknown>>(config: T): T {
  return config;
}

/**
 * `middleware([a, b, handler])`: `a` runs first and reaches `b` through `next()`, the last
 * element is the handler. Calling `next()` twice in one middleware is a bug we report.
 * The layers share one copy of `ctx` per request (the platform's is frozen), so a layer
 * may set a field for the ones after it, as `auth()` sets `ctx.auth`.
 */
export function middleware(chain: [...Middleware[], Handler]): Handler {
  if (!Array.isArray(chain) || chain.length === 0) throw new TypeError("middleware() needs at least a handler");
  for (const fn of chain) if (typeof fn !== "function") throw new TypeError("middleware() takes functions only");
  const layers = chain.slice(0, -1) as Middleware[];
  const handler = chain[chain.length - 1] as Handler;
  return function composed(req, platformCtx) {
    const ctx: Context = { ...(platformCtx as Context | undefined) } as Context;
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
