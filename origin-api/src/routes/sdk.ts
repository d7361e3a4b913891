/**
 * `/internal/sdk`: the platform services as `@bunbase/sdk` reaches them from an isolate,
 * through its node (edge-node/src/isolate/sdk-bridge.ts). A call needs the node key (as
 * every `/internal/*` route) and the token the node minted for the invocation
 * (`x-bunbase-sdk-token`, core/src/sdk-token.ts): valid, unexpired, for a function that
 * exists. Storage bytes travel raw, everything else as JSON `{service, method, args}`.
 * Writes run as that invocation (`data.forInvocation`): their events carry its place in the
 * chain of invocations, which stops recursive trigger loops (docs/triggers.md#trigger-loops).
 */
import type { ApiOp } from "./openapi-op.ts";
import { Hono, type Context } from "hono";
import { BunbaseError, SDK_TOKEN_HEADER, verifySdkToken, type SdkTokenClaims } from "../../../core/index.ts";
import type { AppEnv } from "../http/app-env.ts";
import { readJson } from "../http/body.ts";
import type { Services } from "../services/index.ts";
import { runSdkCall } from "./sdk-methods.ts";

/** What the routes use of the origin's services (`functions test` serves them over a local store too). */
export type SdkServices = Pick<Services, "store" | "data" | "forwardKey">;

export function sdkRoutes(s: SdkServices): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const storage = s.data.storage;

  app.post("/internal/sdk", async (c) => {
    const { invocationId } = caller(s, c);
    return c.json({ result: (await runSdkCall(s.data.forInvocation(invocationId), await readJson(c))) ?? null });
  });

  app.put("/internal/sdk/storage", async (c) => {
    const { invocationId } = caller(s, c);
    const object = await s.data
      .forInvocation(invocationId)
      .storage.put(c.req.query("bucket") ?? "", c.req.query("path") ?? "", c.req.raw.body ?? "", {
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
function caller(s: SdkServices, c: Context<AppEnv>): SdkTokenClaims {
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
