import type { MiddlewareHandler } from "hono";
import type { Prometheus } from "../services/prometheus.ts";

/** Counts and times every request by its route pattern (never by raw path: bounded labels). */
export function observe(prometheus: Prometheus): MiddlewareHandler {
  return async function observe(c, next) {
    const end = prometheus.requestSeconds.startTimer();
    await next();
    const route = c.req.routePath || "unmatched";
    end({ method: c.req.method, route });
    prometheus.requests.inc({ method: c.req.method, route, status: String(c.res.status) });
  };
}
