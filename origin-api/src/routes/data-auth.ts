/**
 * `auth` users and sessions (docs/sdk.md#auth): signup and login, which a `public` key may
 * call too (http/auth.ts), and the admin API: list, get, update, delete.
 */
import { Hono } from "hono";
import type { AppEnv } from "../http/app-env.ts";
import { readJson } from "../http/body.ts";
import type { Services } from "../services/index.ts";

export function dataAuthRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const auth = s.data.auth;

  app.post("/auth/users", async (c) => c.json(await auth.create(await readJson(c)), 201));

  app.post("/auth/login", async (c) => c.json(await auth.login(await readJson(c))));

  app.get("/auth/users", (c) =>
    c.json(auth.list({ limit: c.req.query("limit"), cursor: c.req.query("cursor"), email: c.req.query("email") })),
  );

  app.get("/auth/users/:id", (c) => c.json(auth.get(c.req.param("id"))));

  app.patch("/auth/users/:id", async (c) => c.json(await auth.update(c.req.param("id"), await readJson(c))));

  app.delete("/auth/users/:id", (c) => {
    auth.delete(c.req.param("id"));
    return c.body(null, 204);
  });

  return app;
}
