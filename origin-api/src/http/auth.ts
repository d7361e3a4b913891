/**
 * `Authorization: Bearer <key>` on every route but `GET /health` (contract section 2).
 * Roles: viewer reads; deployer does all but key management; admin does all; node (edge
 * nodes) may call only `/internal/*`, which admin may call too; public (a key end users'
 * browsers hold, like Supabase's anon key) may only sign up and log in, and those two
 * routes answer CORS preflights (which carry no key) and allow any origin.
 */
import type { MiddlewareHandler } from "hono";
import { BunbaseError } from "../../../core/index.ts";
import type { ApiKeyRow } from "../store/index.ts";
import type { ApiKeys } from "../services/api-keys.ts";
import type { AppEnv } from "./app-env.ts";

const READ_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
/** What a `public` key may call: `POST` on these paths. */
export const PUBLIC_ROUTES = new Set(["/auth/users", "/auth/login"]);
const CORS_HEADERS = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "POST",
  "access-control-allow-headers": "authorization, content-type",
  "access-control-max-age": "86400",
};

export function requireApiKey(keys: ApiKeys, publicPaths: string[] = ["/health"]): MiddlewareHandler<AppEnv> {
  const open = new Set(publicPaths);
  return async function requireApiKey(c, next) {
    if (open.has(c.req.path) && READ_METHODS.has(c.req.method)) return next();
    const browserRoute = PUBLIC_ROUTES.has(c.req.path);
    if (browserRoute && c.req.method === "OPTIONS") return c.body(null, 204, CORS_HEADERS);
    const cors: Record<string, string> = browserRoute ? { "access-control-allow-origin": "*" } : {}; // errors too
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const key = match ? keys.verify(match[1]) : undefined;
    if (!key) {
      throw new BunbaseError(
        "FN_009",
        match ? "Invalid API key" : "Missing API key: send Authorization: Bearer <key>",
        {
          status: 401,
          headers: { "www-authenticate": 'Bearer realm="bunbase"', ...cors },
        },
      );
    }
    const denied = denial(key, c.req.method, c.req.path);
    if (denied) throw new BunbaseError("FN_009", denied, { details: { role: key.role }, headers: cors });
    c.set("apiKey", key);
    await next();
    if (browserRoute) c.res.headers.set("access-control-allow-origin", "*");
  };
}

/** Why `key` may not call `method path`, or undefined when it may. */
export function denial(key: ApiKeyRow, method: string, path: string): string | undefined {
  const internal = path === "/internal" || path.startsWith("/internal/");
  const keyRoutes = path === "/keys" || path.startsWith("/keys/");
  switch (key.role) {
    case "admin":
      return undefined;
    case "node":
      return internal ? undefined : "A node key may call /internal/* only";
    case "deployer":
      if (internal) return "Internal routes need a node key";
      return keyRoutes ? "Key management needs an admin key" : undefined;
    case "viewer":
      if (internal) return "Internal routes need a node key";
      if (keyRoutes) return "Key management needs an admin key";
      return READ_METHODS.has(method) ? undefined : "A viewer key is read-only";
    case "public":
      return method === "POST" && PUBLIC_ROUTES.has(path)
        ? undefined
        : "A public key may only call POST /auth/users and POST /auth/login";
  }
}
