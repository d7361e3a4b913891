import assert from "node:assert/strict";
import { test } from "node:test";
import type { EdgeConfig } from "../../../bundler/index.ts";
import type { ActiveVersion, EdgeFunction } from "../../../core/index.ts";
import { EdgeGate, withRequestHeaders, type GateRequest } from "./edge-gate.ts";
import { LocalRateLimitStore } from "./rate-limit-store.ts";

const active = (version: number, edge?: EdgeConfig): ActiveVersion => ({
  version,
  bundleHash: `sha256:${version}`,
  exportName: "default",
  env: { A: "1" },
  edge,
});

function fn(id: string, edge?: EdgeConfig, extra: Partial<EdgeFunction> = {}): EdgeFunction {
  return { id, name: id, config: { edge } as EdgeFunction["config"], versions: { prod: active(3, edge) }, ...extra };
}

const gate = () => new EdgeGate({ rateLimits: new LocalRateLimitStore() });
const req = (url: string, headers: Record<string, string> = {}): GateRequest => ({
  method: "GET",
  url,
  headers,
  clientIp: "192.0.2.10",
});

test("the environment's resolved rules win over the config's", () => {
  const f = fn("f", { ipDeny: ["0.0.0.0/0"] });
  assert.deepEqual(EdgeGate.rulesOf(f, active(1, { ipAllow: ["192.0.2.0/24"] })), { ipAllow: ["192.0.2.0/24"] });
  assert.deepEqual(EdgeGate.rulesOf(f, active(1)), { ipDeny: ["0.0.0.0/0"] });
  assert.equal(EdgeGate.rulesOf(fn("plain"), active(1)), undefined);
});

test("a rewrite into another function applies that function's rules too", async () => {
  const guarded = fn("guarded", { auth: { type: "apiKey", header: "x-api-key", keys: ["k"] } });
  const front = fn("front", { rewrites: [{ source: "/in/:path*", destination: "/guarded/:path*" }] });
  const route = (path: string) =>
    path.startsWith("/guarded") ? { fn: guarded, active: guarded.versions.prod } : undefined;
  const refused = await gate().admit(req("/in/x?q=1"), { fn: front, active: front.versions.prod }, route);
  assert.equal(refused.action === "reject" && refused.error.status, 401);
  const admitted = await gate().admit(
    req("/in/x?q=1", { "x-api-key": "k" }),
    { fn: front, active: front.versions.prod },
    route,
  );
  assert.equal(admitted.action, "invoke");
  if (admitted.action !== "invoke") return;
  assert.equal(admitted.fn.id, "guarded");
  assert.equal(admitted.url, "/guarded/x?q=1");
  assert.deepEqual(admitted.auth, { type: "apiKey", keyIndex: 0 });
});

test("a rewrite nobody serves is FN_001; a loop between functions stops", async () => {
  const lone = fn("lone", { rewrites: [{ source: "/a", destination: "/b" }] });
  await assert.rejects(
    gate().admit(req("/a"), { fn: lone, active: lone.versions.prod }, () => undefined),
    (err: { code?: string }) => err.code === "FN_001",
  );
  const ping = fn("ping", { rewrites: [{ source: "/ping", destination: "/pong" }] });
  const pong = fn("pong", { rewrites: [{ source: "/pong", destination: "/ping" }] });
  const route = (path: string) => {
    const target = path === "/ping" ? ping : pong;
    return { fn: target, active: target.versions.prod };
  };
  await assert.rejects(
    gate().admit(req("/ping"), { fn: ping, active: ping.versions.prod }, route),
    (err: { status?: number }) => err.status === 508,
  );
});

test("an A/B pin runs the pinned version with the environment's variables, if the snapshot has it", async () => {
  const edge: EdgeConfig = {
    abTests: [
      {
        name: "v",
        variants: [
          { name: "old", weight: 1, version: 1 },
          { name: "none", weight: 0 },
        ],
      },
    ],
  };
  const pinned = fn("pinned", edge, {
    pinnedVersions: [{ version: 1, bundleHash: "sha256:one", exportName: "handler" }],
  });
  const admitted = await gate().admit(req("/"), { fn: pinned, active: pinned.versions.prod }, () => undefined);
  assert.ok(admitted.action === "invoke");
  assert.deepEqual(
    admitted.action === "invoke" && [admitted.active.version, admitted.active.bundleHash, admitted.active.env],
    [1, "sha256:one", { A: "1" }],
  );
  const missing = fn("missing", edge);
  const fallback = await gate().admit(req("/"), { fn: missing, active: missing.versions.prod }, () => undefined);
  assert.equal(fallback.action === "invoke" && fallback.active.version, 3);
});

test("edge request headers replace the client's of the same name", () => {
  assert.deepEqual(
    withRequestHeaders(
      [
        ["x-bunbase-ab-v", "forged"],
        ["accept", "*/*"],
      ],
      [["x-bunbase-ab-v", "old"]],
    ),
    [
      ["accept", "*/*"],
      ["x-bunbase-ab-v", "old"],
    ],
  );
});
