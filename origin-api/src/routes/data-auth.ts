/** `auth` users and sessions: `POST /auth/users`, `POST /auth/login` (docs/sdk.md). */
import { Hono } from "hono";
import type { AppEnv } from "../http/app-env.ts";
import { readJson } from "../http/body.ts";
import type { Services } from "../services/index.ts";

export function dataAuthRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const auth = s.data.auth;

  app.post("/auth/users", async (c) => c.json(await auth.create(await readJson(c)), 201));

  app.post("/auth/login", async (c) => c.json(await auth.login(await readJson(c))));

  return app;
}
