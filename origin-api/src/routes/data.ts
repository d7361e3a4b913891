/** The services' REST APIs (origin-api/src/data): db, storage, auth, queues. */
import { Hono } from "hono";
import type { AppEnv } from "../http/app-env.ts";
import type { Services } from "../services/index.ts";
import { dataAuthRoutes } from "./data-auth.ts";
import { dataDbRoutes } from "./data-db.ts";
import { dataQueueRoutes } from "./data-queues.ts";
import { dataStorageRoutes } from "./data-storage.ts";

export function dataRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  for (const routes of [dataDbRoutes, dataStorageRoutes, dataAuthRoutes, dataQueueRoutes]) app.route("/", routes(s));
  return app;
}
