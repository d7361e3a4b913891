/** API key management (admin only): `GET|POST /keys`, `DELETE /keys/:id`. */
import { Hono } from "hono";
import type { AppEnv } from "../http/app-env.ts";
import { readJson } from "../http/body.ts";
import type { Services } from "../services/index.ts";

export function keyRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/keys", (c) => c.json({ keys: s.keys.list() }));

  app.post("/keys", async (c) => {
    const body = await readJson(c);
    const { id, name, role, key, createdAt } = s.keys.create(body.name, body.role);
    return c.json({ id, name, role, key, createdAt }, 201);
  });

  app.delete("/keys/:id", (c) => {
    s.keys.delete(c.req.param("id"));
    return c.body(null, 204);
  });

  return app;
}
