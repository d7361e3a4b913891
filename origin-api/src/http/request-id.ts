import type { MiddlewareHandler } from "hono";
import { newRequestId } from "../../../core/index.ts";
import type { AppEnv } from "./app-env.ts";

/** Every response carries `x-request-id`; error envelopes repeat it as `requestId`. */
export function requestId(): MiddlewareHandler<AppEnv> {
  return async function requestId(c, next) {
    const id = newRequestId();
    c.set("requestId", id);
    await next();
    c.res.headers.set("x-request-id", id);
  };
}
