/** Functions CRUD, versions and rollback (contract section 2). */
import { Hono } from "hono";
import { invalid } from "../../../core/index.ts";
import type { AppEnv } from "../http/app-env.ts";
import { readJson } from "../http/body.ts";
import { parseEnvironment } from "../services/environments.ts";
import type { Services } from "../services/index.ts";
import { versionSummary } from "../services/functions.ts";

export function functionRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/functions", (c) => c.json({ functions: s.functions.list() }));

  app.post("/functions", async (c) => {
    const fn = s.functions.create(await readJson(c));
    return c.json(s.functions.detail(fn), 201);
  });

  app.get("/functions/:id", (c) => c.json(s.functions.detail(s.functions.get(c.req.param("id")))));

  app.put("/functions/:id", async (c) => {
    const fn = s.functions.get(c.req.param("id"));
    const body = await readJson(c);
    return c.json(s.functions.detail(s.functions.update(fn, body)));
  });

  app.delete("/functions/:id", (c) => {
    s.functions.delete(s.functions.get(c.req.param("id")));
    return c.body(null, 204);
  });

  app.get("/functions/:id/versions", (c) => {
    const fn = s.functions.get(c.req.param("id"));
    const versions = s.store.versions.list(fn.id).map((v) => ({ ...versionSummary(v), sizeBytes: v.sizeBytes }));
    return c.json({ versions });
  });

  app.post("/functions/:id/rollback", async (c) => {
    const fn = s.functions.get(c.req.param("id"));
    const body = await readJson(c, true);
    if (body.version !== undefined && (!Number.isInteger(body.version) || (body.version as number) < 1)) {
      throw invalid("version", "must be a positive integer");
    }
    s.deployer.rollback(fn, body.version as number | undefined, parseEnvironment(body.environment));
    return c.json(s.functions.detail(s.functions.get(fn.id)));
  });

  return app;
}
