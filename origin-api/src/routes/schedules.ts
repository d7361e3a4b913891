/** `GET /functions/:id/schedule`: a function's schedule triggers, their next tick and the ticks fired lately. */
import { Hono } from "hono";
import { invalid } from "../../../core/index.ts";
import type { AppEnv } from "../http/app-env.ts";
import type { Services } from "../services/index.ts";
import { scheduleView } from "../triggers/index.ts";

export function scheduleRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/functions/:id/schedule", (c) => {
    const fn = s.functions.get(c.req.param("id"));
    const limit = Number(c.req.query("limit") ?? 20);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw invalid("limit", "must be an integer 1-1000");
    return c.json({ schedules: scheduleView(fn, s.scheduler.ticks, limit) });
  });

  return app;
}
