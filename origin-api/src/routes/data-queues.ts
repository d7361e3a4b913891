/** `queue`: `POST /queues/:name/messages` (docs/sdk.md). */
import { Hono } from "hono";
import { parseSendBody } from "../data/index.ts";
import type { AppEnv } from "../http/app-env.ts";
import { readJson } from "../http/body.ts";
import type { Services } from "../services/index.ts";

export function dataQueueRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.post("/queues/:name/messages", async (c) =>
    c.json(s.data.queue.send(c.req.param("name"), parseSendBody(await readJson(c))), 202),
  );

  return app;
}
