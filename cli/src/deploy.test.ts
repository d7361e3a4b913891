import { test } from "node:test";
import assert from "node:assert/strict";
import { configChanged, describeDeploy, type DeployResult } from "./deploy.ts";

test("configChanged ignores key order, name and the API's own fields", () => {
  const config = { name: "hello", memory: 128, triggers: [{ type: "http", path: "/hello", methods: ["GET"] }] };
  const remote = {
    id: "fn_1",
    name: "hello",
    activeVersions: { prod: 2 },
    triggers: [{ methods: ["GET"], path: "/hello", type: "http" }],
    memory: 128,
    edge: null,
  };
  assert.equal(configChanged(config, remote), false);
  assert.equal(configChanged({ ...config, memory: 256 }, remote), true);
  assert.equal(configChanged(config, { ...remote, edge: { cors: { origin: "*" } } }), true);
});

test("describeDeploy prints version, short hash, size and the edge URL of each HTTP trigger", () => {
  const result = {
    name: "hello",
    deployment: {
      version: 3,
      status: "ready",
      bundleHash: "sha256:abcdef0123456789",
      sizeBytes: 1234,
      environment: "prod",
      createdAt: "",
    },
    created: false,
    warnings: ["index.ts:1:1 unused import"],
    httpPaths: ["/hello"],
  } as unknown as DeployResult;
  assert.deepEqual(describeDeploy(result, "http://127.0.0.1:8787"), [
    "deployed hello v3 (abcdef012345, 1.2 kB) -> http://127.0.0.1:8787/hello",
    "warning: index.ts:1:1 unused import",
  ]);
});
