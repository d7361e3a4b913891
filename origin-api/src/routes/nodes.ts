/** `GET /nodes`: the edge nodes that report to this origin, with their health (services/node-registry.ts). */
import { Hono } from "hono";
import type { AppEnv } from "../http/app-env.ts";
import type { Services } from "../services/index.ts";

export function nodeRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/nodes", (c) => c.json(s.nodes.list()));

  return app;
}
