/** `storage` objects: `/storage/:bucket[/<path>]` (docs/sdk.md). Bodies stream both ways. */
import { Hono, type Context } from "hono";
import { invalid } from "../../../core/index.ts";
import type { StoredObject } from "../data/index.ts";
import type { AppEnv } from "../http/app-env.ts";
import type { Services } from "../services/index.ts";

export function dataStorageRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const storage = s.data.storage;

  app.get("/storage/:bucket", (c) => {
    const limit = c.req.query("limit");
    if (limit !== undefined && !/^\d+$/.test(limit)) throw invalid("limit", "must be an integer from 1 to 1000");
    return c.json(
      storage.list(c.req.param("bucket"), {
        prefix: c.req.query("prefix"),
        limit: limit === undefined ? undefined : Number(limit),
        cursor: c.req.query("cursor"),
      }),
    );
  });

  app.put("/storage/:bucket/*", async (c) => {
    const object = await storage.put(c.req.param("bucket"), objectPath(c), c.req.raw.body ?? "", {
      contentType: c.req.header("content-type"),
    });
    return c.json(object, 201);
  });

  // Hono answers HEAD with this handler too; it then sends no body, so none is opened.
  app.get("/storage/:bucket/*", async (c) => {
    const bucket = c.req.param("bucket");
    const path = objectPath(c);
    const known = storage.stat(bucket, path);
    if (c.req.method === "HEAD") return c.body(null, 200, headersOf(known));
    if (c.req.header("if-none-match") === `"${known.etag}"`) return c.body(null, 304, { etag: `"${known.etag}"` });
    const { object, body } = await storage.read(bucket, path);
    return new Response(body, { status: 200, headers: headersOf(object) });
  });

  app.delete("/storage/:bucket/*", (c) => {
    storage.delete(c.req.param("bucket"), objectPath(c));
    return c.body(null, 204);
  });

  return app;
}

/** The object path: the rest of the raw URL path after `/storage/<bucket>/`, percent-decoded once. */
function objectPath(c: Context<AppEnv>): string {
  const rest = new URL(c.req.url).pathname.split("/").slice(3).join("/");
  try {
    return decodeURIComponent(rest);
  } catch (err) {
    throw invalid("path", "is not valid percent-encoding", { reason: (err as Error).message });
  }
}

function headersOf(o: StoredObject): Record<string, string> {
  return {
    "content-type": o.contentType,
    "content-length": String(o.size),
    etag: `"${o.etag}"`,
    "last-modified": new Date(o.updatedAt).toUTCString(),
  };
}
