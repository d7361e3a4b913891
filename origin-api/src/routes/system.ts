/** `GET /health` (no key), `GET /metrics` (Prometheus text), `GET /openapi.json`. */
import { Hono } from "hono";
import type { AppEnv } from "../http/app-env.ts";
import type { Services } from "../services/index.ts";
import { openApiDocument } from "./openapi-spec.ts";

export function systemRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/health", (c) => c.json({ status: "ok" }));

  app.get("/metrics", async (c) => {
    const text = await s.prometheus.registry.metrics();
    return c.body(text, 200, { "content-type": s.prometheus.registry.contentType });
  });

  app.get("/openapi.json", (c) => c.json(openApiDocument(new URL(c.req.url).origin)));

  return app;
}
