/** Project-wide secrets: `GET|POST|DELETE /secrets[/:name]`, `POST /secrets/:name/rotate`. */
import { Hono } from "hono";
import { BunbaseError } from "../../../core/index.ts";
import type { AppEnv } from "../http/app-env.ts";
import { readJson } from "../http/body.ts";
import { parseEnvironment, parseVarName } from "../services/environments.ts";
import type { Services } from "../services/index.ts";

export function secretRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/secrets", (c) => c.json({ secrets: s.variables.listSecrets() }));

  app.post("/secrets", async (c) => c.json(s.variables.setSecret(await readJson(c)), 201));

  app.get("/secrets/:name", (c) => {
    const name = parseVarName(c.req.param("name"), "name");
    const found = s.variables.listSecrets().filter((x) => x.name === name);
    if (found.length === 0) throw new BunbaseError("FN_001", `Secret ${name} not found`);
    return c.json({ name, environments: found });
  });

  app.post("/secrets/:name", async (c) => {
    const name = parseVarName(c.req.param("name"), "name");
    return c.json(s.variables.setSecret(await readJson(c), name), 201);
  });

  app.post("/secrets/:name/rotate", async (c) => {
    const name = parseVarName(c.req.param("name"), "name");
    return c.json(s.variables.rotateSecret(name, await readJson(c, true)));
  });

  app.delete("/secrets/:name", (c) => {
    const name = parseVarName(c.req.param("name"), "name");
    const env = c.req.query("environment");
    s.variables.deleteSecret(name, env === undefined ? undefined : parseEnvironment(env));
    return c.body(null, 204);
  });

  return app;
}
