/** `GET /functions/:id/metrics?window=5m|1h|24h` (contract 2.5), from the invocation aggregates. */
import { Hono } from "hono";
import { invalid } from "../../../core/index.ts";
import type { AppEnv } from "../http/app-env.ts";
import type { Services } from "../services/index.ts";
import { aggregate, WINDOWS, type WindowName } from "../services/metrics-math.ts";

export function metricRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/functions/:id/metrics", (c) => {
    const fn = s.functions.get(c.req.param("id"));
    const window = (c.req.query("window") ?? "1h") as WindowName;
    if (!(window in WINDOWS)) throw invalid("window", `must be one of ${Object.keys(WINDOWS).join(", ")}`);
    const now = Date.now();
    const { ms, bucketMs } = WINDOWS[window];
    const stats = s.store.invocationStats.window(fn.id, now - ms, now, bucketMs);
    return c.json(aggregate(stats, s.inFlight.current(fn.id, now), window, now));
  });

  return app;
}
