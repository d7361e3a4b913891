/** A function's variables: `GET|POST /functions/:id/env`, `DELETE /functions/:id/env/:key`. */
import { Hono } from "hono";
import type { AppEnv } from "../http/app-env.ts";
import { readJson } from "../http/body.ts";
import { parseEnvironment, parseVarName } from "../services/environments.ts";
import type { Services } from "../services/index.ts";

export function envRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/functions/:id/env", (c) => {
    const fn = s.functions.get(c.req.param("id"));
    const env = c.req.query("environment");
    return c.json({ variables: s.variables.list(fn, env === undefined ? undefined : parseEnvironment(env)) });
  });

  app.post("/functions/:id/env", async (c) => {
    const fn = s.functions.get(c.req.param("id"));
    return c.json(s.variables.set(fn, await readJson(c)), 201);
  });

  app.delete("/functions/:id/env/:key", (c) => {
    const fn = s.functions.get(c.req.param("id"));
    const key = parseVarName(c.req.param("key"), "key");
    s.variables.unset(fn, key, parseEnvironment(c.req.query("environment")));
    return c.body(null, 204);
  });

  return app;
}
