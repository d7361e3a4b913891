/**
 * `/internal/sdk`: the platform services as `@bunbase/sdk` reaches them from an isolate,
 * through its node (edge-node/src/isolate/sdk-bridge.ts). A call needs the node key (as
 * every `/internal/*` route) and the token the node minted for the invocation
 * (`x-bunbase-sdk-token`, core/src/sdk-token.ts): valid, unexpired, for a function that
 * exists. Storage bytes travel raw, everything else as JSON `{service, method, args}`.
 */
import type { ApiOp } from "./openapi-op.ts";
import { Hono, type Context } from "hono";
import { BunbaseError, SDK_TOKEN_HEADER, verifySdkToken, type SdkTokenClaims } from "../../../core/index.ts";
import type { AppEnv } from "../http/app-env.ts";
import { readJson } from "../http/body.ts";
import type { Services } from "../services/index.ts";
import { runSdkCall } from "./sdk-methods.ts";

export function sdkRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const storage = s.data.storage;

  app.post("/internal/sdk", async (c) => {
    caller(s, c);
    return c.json({ result: (await runSdkCall(s.data, await readJson(c))) ?? null });
  });

  app.put("/internal/sdk/storage", async (c) => {
    caller(s, c);
    const object = await storage.put(c.req.query("bucket") ?? "", c.req.query("path") ?? "", c.req.raw.body ?? "", {
      contentType: c.req.header("content-type"),
    });
    return c.json({ result: object });
  });

  app.get("/internal/sdk/storage", async (c) => {
    caller(s, c);
    const { object, body } = await storage.read(c.req.query("bucket") ?? "", c.req.query("path") ?? "");
    return new Response(body, {
      status: 200,
      headers: { "content-type": object.contentType, "content-length": String(object.size), etag: `"${object.etag}"` },
    });
  });

  return app;
}

/** The function the call acts for; 403 FN_009 without a valid token for an existing function. */
function caller(s: Services, c: Context<AppEnv>): SdkTokenClaims {
  const claims = verifySdkToken(s.forwardKey, c.req.header(SDK_TOKEN_HEADER));
  if (claims === null) throw new BunbaseError("FN_009", "@bunbase/sdk: missing, invalid or expired invocation token");
  if (s.store.functions.find(claims.functionId)?.id !== claims.functionId)
    throw new BunbaseError("FN_009", "@bunbase/sdk: the calling function no longer exists");
  return claims;
}

/** These routes in the OpenAPI document (openapi-spec.ts). */
export const SDK_OPS: ApiOp[] = [
  {
    method: "post",
    path: "/internal/sdk",
    summary: "A @bunbase/sdk call {service, method, args} for the invocation named by x-bunbase-sdk-token (node key)",
    tag: "internal",
    ok: 200,
  },
  {
    method: "put",
    path: "/internal/sdk/storage",
    summary: "A @bunbase/sdk storage upload: the raw bytes (node key, x-bunbase-sdk-token)",
    tag: "internal",
    ok: 200,
    query: ["bucket", "path"],
  },
  {
    method: "get",
    path: "/internal/sdk/storage",
    summary: "A @bunbase/sdk storage download: the raw bytes (node key, x-bunbase-sdk-token)",
    tag: "internal",
    ok: 200,
    query: ["bucket", "path"],
  },
];
