/**
 * The OpenAPI 3.1 description of every route (`GET /openapi.json`). A test checks that
 * each route the app registers appears here, so a new route cannot ship undocumented.
 */
import { DATA_OPS } from "./data-openapi.ts";
import type { ApiOp } from "./openapi-op.ts";
import { EVENT_OPS } from "./events-openapi.ts";
import { SDK_OPS } from "./sdk.ts";
import { TRIGGER_OPS } from "./triggers-openapi.ts";
import { SCHEMAS } from "./openapi-schemas.ts";

const OPS: ApiOp[] = [
  { method: "get", path: "/health", summary: "Liveness (no key needed)", tag: "system", ok: 200 },
  { method: "get", path: "/metrics", summary: "Prometheus metrics of the origin", tag: "system", ok: 200 },
  { method: "get", path: "/openapi.json", summary: "This document", tag: "system", ok: 200 },
  { method: "get", path: "/functions", summary: "List functions", tag: "functions", ok: 200 },
  {
    method: "post",
    path: "/functions",
    summary: "Create a function from a config object",
    tag: "functions",
    body: "FunctionConfig",
    ok: 201,
    okSchema: "Function",
  },
  {
    method: "get",
    path: "/functions/{id}",
    summary: "A function (by id or name) with its versions summary",
    tag: "functions",
    ok: 200,
    okSchema: "Function",
  },
  {
    method: "put",
    path: "/functions/{id}",
    summary: "Replace a function's config",
    tag: "functions",
    body: "FunctionConfig",
    ok: 200,
    okSchema: "Function",
  },
  {
    method: "delete",
    path: "/functions/{id}",
    summary: "Delete a function and everything about it",
    tag: "functions",
    ok: 204,
  },
  {
    method: "post",
    path: "/functions/{id}/deploy",
    summary: "Build and publish a new immutable version",
    tag: "deploy",
    body: "DeployBody",
    ok: 201,
    okSchema: "Deployment",
    query: ["environment", "message"],
  },
  {
    method: "post",
    path: "/functions/{id}/rollback",
    summary: "Switch the active version of an environment",
    tag: "deploy",
    body: "Rollback",
    ok: 200,
    okSchema: "Function",
  },
  { method: "get", path: "/functions/{id}/versions", summary: "List versions", tag: "deploy", ok: 200 },
  {
    method: "post",
    path: "/functions/{id}/invoke",
    summary: "Run the function now (sync, event or async)",
    tag: "invoke",
    ok: 200,
    query: ["version", "environment", "async", "event"],
  },
  {
    method: "get",
    path: "/functions/{id}/invocations/{invocationId}",
    summary: "Status of an async invocation",
    tag: "invoke",
    ok: 200,
  },
  {
    method: "get",
    path: "/functions/{id}/logs",
    summary: "Query or follow (SSE) logs",
    tag: "observability",
    ok: 200,
    query: ["since", "until", "level", "q", "invocationId", "limit", "cursor", "follow"],
  },
  {
    method: "get",
    path: "/functions/{id}/metrics",
    summary: "Invocation metrics over a window",
    tag: "observability",
    ok: 200,
    query: ["window"],
  },
  {
    method: "get",
    path: "/functions/{id}/env",
    summary: "List variables (secret values omitted)",
    tag: "env",
    ok: 200,
    query: ["environment"],
  },
  { method: "post", path: "/functions/{id}/env", summary: "Set a variable", tag: "env", body: "EnvVar", ok: 201 },
  {
    method: "delete",
    path: "/functions/{id}/env/{key}",
    summary: "Remove a variable",
    tag: "env",
    ok: 204,
    query: ["environment"],
  },
  {
    method: "get",
    path: "/secrets",
    summary: "List project secrets (names and versions only)",
    tag: "secrets",
    ok: 200,
  },
  { method: "post", path: "/secrets", summary: "Set a project secret", tag: "secrets", body: "Secret", ok: 201 },
  { method: "get", path: "/secrets/{name}", summary: "A project secret's metadata", tag: "secrets", ok: 200 },
  {
    method: "post",
    path: "/secrets/{name}",
    summary: "Set a project secret by name",
    tag: "secrets",
    body: "Secret",
    ok: 201,
  },
  {
    method: "delete",
    path: "/secrets/{name}",
    summary: "Delete a project secret",
    tag: "secrets",
    ok: 204,
    query: ["environment"],
  },
  {
    method: "post",
    path: "/secrets/{name}/rotate",
    summary: "Rotate a project secret (generated value returned once)",
    tag: "secrets",
    ok: 200,
  },
  { method: "get", path: "/keys", summary: "List API keys (admin)", tag: "keys", ok: 200 },
  {
    method: "post",
    path: "/keys",
    summary: "Create an API key, shown once (admin)",
    tag: "keys",
    body: "NewKey",
    ok: 201,
  },
  { method: "delete", path: "/keys/{id}", summary: "Revoke an API key (admin)", tag: "keys", ok: 204 },
  {
    method: "get",
    path: "/nodes",
    summary: "Edge nodes reporting to this origin: region, URL, config revision, health",
    tag: "nodes",
    ok: 200,
    okSchema: "NodeList",
  },
  {
    method: "get",
    path: "/internal/snapshot",
    summary: "EdgeSnapshot for edge nodes (node key)",
    tag: "internal",
    ok: 200,
  },
  {
    method: "get",
    path: "/internal/stream",
    summary: "SSE of config revisions and live peer nodes (node key)",
    tag: "internal",
    ok: 200,
  },
  {
    method: "get",
    path: "/internal/bundles/{hash}",
    summary: "A bundle by its sha256 (node key)",
    tag: "internal",
    ok: 200,
  },
  {
    method: "post",
    path: "/internal/telemetry",
    summary: "Invocation aggregates, in-flight counts and logs from nodes (node key)",
    tag: "internal",
    ok: 200,
  },
  {
    method: "put",
    path: "/internal/nodes/{name}",
    summary: "An edge node's report: region, URL, revision held (node key)",
    tag: "internal",
    body: "NodeReport",
    ok: 200,
  },
  {
    method: "get",
    path: "/internal/wait",
    summary: "Wait until the revision reaches n (node key)",
    tag: "internal",
    ok: 200,
    query: ["revision", "timeoutMs"],
  },
  ...DATA_OPS,
  ...EVENT_OPS,
  ...TRIGGER_OPS,
  ...SDK_OPS,
];

const errorRef = { $ref: "#/components/responses/Error" };

export function openApiDocument(serverUrl?: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OPS) {
    const params = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
      name: m[1],
      in: "path",
      required: true,
      schema: { type: "string" },
    }));
    const query = (op.query ?? []).map((name) => ({ name, in: "query", required: false, schema: { type: "string" } }));
    paths[op.path] ??= {};
    paths[op.path][op.method] = {
      summary: op.summary,
      tags: [op.tag],
      operationId: `${op.method}${op.path.replace(/[{}]/g, "").replace(/[/.-](\w)/g, (_, ch: string) => ch.toUpperCase())}`,
      security: op.path === "/health" ? [] : [{ bearer: [] }],
      parameters: [...params, ...query],
      ...(op.body
        ? {
            requestBody: {
              required: true,
              content: { "application/json": { schema: { $ref: `#/components/schemas/${op.body}` } } },
            },
          }
        : {}),
      responses: {
        [op.ok]:
          op.ok === 204
            ? { description: "No content" }
            : {
                description: "OK",
                content: {
                  "application/json": {
                    schema: op.okSchema ? { $ref: `#/components/schemas/${op.okSchema}` } : { type: "object" },
                  },
                },
              },
        "4XX": errorRef,
        "5XX": errorRef,
      },
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Bunbase Functions API",
      version: "0.1.0",
      description: "Management API of the origin (docs/api.md).",
    },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
    paths,
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
      responses: {
        Error: {
          description: "Error envelope",
          content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
        },
      },
      schemas: SCHEMAS,
    },
  };
}
