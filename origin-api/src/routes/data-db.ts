/** `db` documents: `/db/:collection[/:id]` (docs/sdk.md). */
import { Hono } from "hono";
import { invalid } from "../../../core/index.ts";
import { parseQueryString } from "../data/index.ts";
import type { AppEnv } from "../http/app-env.ts";
import { readJson } from "../http/body.ts";
import type { Services } from "../services/index.ts";

export function dataDbRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const db = s.data.db;

  app.post("/db/:collection", async (c) => c.json(db.create(c.req.param("collection"), await readJson(c)), 201));

  app.get("/db/:collection", (c) =>
    c.json(
      db.query(
        c.req.param("collection"),
        parseQueryString((n) => c.req.queries(n)),
      ),
    ),
  );

  app.delete("/db/:collection", (c) => {
    const { where, limit } = parseQueryString((n) => c.req.queries(n));
    if (where!.length === 0 && c.req.query("all") !== "true")
      throw invalid("where", "a bulk delete needs a where filter, or all=true to empty the collection");
    return c.json(db.deleteWhere(c.req.param("collection"), { where, limit }));
  });

  app.get("/db/:collection/:id", (c) => c.json(db.get(c.req.param("collection"), c.req.param("id"))));

  app.put("/db/:collection/:id", async (c) => {
    const { document, created } = db.replace(c.req.param("collection"), c.req.param("id"), await readJson(c));
    return c.json(document, created ? 201 : 200);
  });

  app.patch("/db/:collection/:id", async (c) =>
    c.json(db.update(c.req.param("collection"), c.req.param("id"), await readJson(c))),
  );

  app.delete("/db/:collection/:id", (c) => {
    db.delete(c.req.param("collection"), c.req.param("id"));
    return c.body(null, 204);
  });

  return app;
}
