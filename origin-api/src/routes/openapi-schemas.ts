/** Component schemas of the OpenAPI document (openapi-spec.ts). */
export const SCHEMAS: Record<string, unknown> = {
  Error: {
    type: "object",
    required: ["error"],
    properties: {
      error: {
        type: "object",
        required: ["code", "message", "requestId"],
        properties: {
          code: { type: "string", pattern: "^FN_00[1-9]$" },
          message: { type: "string" },
          requestId: { type: "string" },
          details: { type: "object" },
        },
      },
    },
  },
  FunctionConfig: { type: "object", description: "Function config (docs/config.md); `name` required on create" },
  Function: {
    type: "object",
    properties: { id: { type: "string" }, name: { type: "string" }, activeVersions: { type: "object" } },
  },
  DeployBody: {
    type: "object",
    description: "{files} | {git} | {bundle, config?}, plus environment? and message?; or a tarball body",
  },
  Deployment: {
    type: "object",
    properties: {
      version: { type: "integer" },
      status: { const: "ready" },
      bundleHash: { type: "string" },
      sizeBytes: { type: "integer" },
      environment: { type: "string" },
      createdAt: { type: "string" },
      warnings: { type: "array", items: { type: "string" } },
    },
  },
  Rollback: {
    type: "object",
    properties: { version: { type: "integer" }, environment: { enum: ["prod", "staging"] } },
  },
  EnvVar: {
    type: "object",
    required: ["key", "value"],
    properties: {
      key: { type: "string" },
      value: { type: "string" },
      secret: { type: "boolean" },
      environment: { enum: ["prod", "staging"] },
    },
  },
  Secret: {
    type: "object",
    required: ["value"],
    properties: {
      name: { type: "string" },
      value: { type: "string" },
      environment: { enum: ["prod", "staging"] },
    },
  },
  NodeReport: {
    type: "object",
    required: ["region", "url", "revision", "startedAt", "workers"],
    properties: {
      region: { type: "string" },
      url: { type: "string", format: "uri" },
      revision: { type: "integer", minimum: 0 },
      startedAt: { type: "string", format: "date-time" },
      workers: { type: "integer", minimum: 1 },
    },
  },
  NodeList: {
    type: "object",
    required: ["revision", "nodes"],
    properties: {
      revision: { type: "integer", description: "The origin's current config revision" },
      nodes: {
        type: "array",
        items: {
          type: "object",
          properties: {
            name: { type: "string" },
            region: { type: "string" },
            url: { type: "string" },
            revision: { type: "integer" },
            behind: { type: "integer", description: "Revisions behind the origin's current one" },
            health: { enum: ["healthy", "syncing", "stale"] },
            workers: { type: "integer" },
            startedAt: { type: "string", format: "date-time" },
            lastSeen: { type: "string", format: "date-time" },
            uptimeSeconds: { type: "integer" },
          },
        },
      },
    },
  },
  NewKey: {
    type: "object",
    required: ["name", "role"],
    properties: { name: { type: "string" }, role: { enum: ["admin", "deployer", "viewer", "node"] } },
  },
};
