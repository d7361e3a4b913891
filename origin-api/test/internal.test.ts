import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createAndDeploy, errorOf, httpTrigger, json, readEvents, startOrigin, type Origin } from "./origin-process.ts";

let o: Origin;
before(async () => {
  o = await startOrigin();
});
after(async () => {
  await o?.stop();
});

interface Snapshot {
  revision: number;
  functions: {
    id: string;
    name: string;
    config: { triggers: unknown[]; memory: number };
    versions: Record<string, { version: number; bundleHash: string; exportName: string; env: Record<string, string> }>;
  }[];
}

const snapshot = async () => json<Snapshot>(await o.api("/internal/snapshot", { key: o.nodeKey }), 200);

test("snapshot: edge-runnable functions with an active version, per environment", async () => {
  await json(await o.api("/functions", { method: "POST", json: { name: "undeployed" } }), 201);
  await createAndDeploy(o, { name: "snap", memory: 256, triggers: httpTrigger("/snap") });
  const snap = await snapshot();
  assert.ok(snap.revision > 1);
  assert.equal(
    snap.functions.find((f) => f.name === "undeployed"),
    undefined,
  );
  const fn = snap.functions.find((f) => f.name === "snap")!;
  assert.equal(fn.config.memory, 256);
  assert.equal(fn.versions.prod.version, 1);
  assert.match(fn.versions.prod.bundleHash, /^sha256:[0-9a-f]{64}$/);
  assert.equal(fn.versions.prod.exportName, "handler");
  assert.equal(fn.versions.staging, undefined);
});

test("bundles: by hash, 404 FN_001 when unknown, FN_006 for a malformed hash", async () => {
  const fn = (await snapshot()).functions.find((f) => f.name === "snap")!;
  const bundle = await json<{ code: string; map: string }>(
    await o.api(`/internal/bundles/${fn.versions.prod.bundleHash}`, { key: o.nodeKey }),
    200,
  );
  assert.match(bundle.code, /hello/);
  assert.equal(typeof bundle.map, "string");
  assert.equal(
    (await errorOf(await o.api(`/internal/bundles/sha256:${"0".repeat(64)}`, { key: o.nodeKey }), 404)).code,
    "FN_001",
  );
  assert.equal(
    (await errorOf(await o.api("/internal/bundles/sha256:..%2Fetc", { key: o.nodeKey }), 400)).code,
    "FN_006",
  );
});

test("stream: the revision at once, then every change; wait resolves at a revision", async () => {
  const controller = new AbortController();
  const res = await o.api("/internal/stream", { key: o.nodeKey, signal: controller.signal });
  assert.match(res.headers.get("content-type") ?? "", /text\/event-stream/);
  const start = (await snapshot()).revision;
  const waiting = o.api(`/internal/wait?revision=${start + 2}&timeoutMs=10000`, { key: o.nodeKey });
  const events = readEvents(res, (e) => e.filter((x) => x.event === "revision").length >= 3);
  await new Promise((r) => setTimeout(r, 100));
  await json(
    await o.api("/functions/snap", { method: "PUT", json: { memory: 512, triggers: httpTrigger("/snap") } }),
    200,
  );
  await json(await o.api("/functions/snap/env", { method: "POST", json: { key: "A", value: "1" } }), 201);
  const all = await events;
  // Right after the first revision: the live edge nodes and the forwarding key (region forwarding).
  assert.equal(all[1]?.event, "peers");
  const peers = JSON.parse(all[1].data) as { nodes: unknown[]; forwardKey: string };
  assert.ok(Array.isArray(peers.nodes) && peers.forwardKey.length >= 43);
  const seen = all
    .filter((e) => e.event === "revision")
    .map((e) => [e.event, (JSON.parse(e.data) as { revision: number }).revision]);
  controller.abort();
  assert.deepEqual(seen, [
    ["revision", start],
    ["revision", start + 1],
    ["revision", start + 2],
  ]);
  assert.deepEqual(await json(await waiting, 200), { revision: start + 2 });
  const late = await o.api(`/internal/wait?revision=${start + 50}&timeoutMs=100`, { key: o.nodeKey });
  assert.equal(late.status, 504);
  await late.body?.cancel();
});

test("delete removes the function from the snapshot and bumps the revision", async () => {
  await createAndDeploy(o, { name: "doomed", triggers: httpTrigger("/doomed") });
  const before = await snapshot();
  assert.ok(before.functions.some((f) => f.name === "doomed"));
  assert.equal((await o.api("/functions/doomed", { method: "DELETE" })).status, 204);
  const after = await snapshot();
  assert.equal(after.revision, before.revision + 1);
  assert.ok(!after.functions.some((f) => f.name === "doomed"));
  // Its route is free again.
  await json(
    await o.api("/functions", { method: "POST", json: { name: "reborn", triggers: httpTrigger("/doomed") } }),
    201,
  );
});

test("telemetry: validated, capped, unknown functions dropped", async () => {
  const fn = (await snapshot()).functions.find((f) => f.name === "snap")!;
  const record = {
    id: "inv_t1",
    functionId: fn.id,
    version: 1,
    environment: "prod",
    trigger: "http",
    startedAt: Date.now(),
    durationMs: 3,
    status: 200,
    coldStart: true,
  };
  const ok = await json<{ accepted: { invocations: number; logs: number } }>(
    await o.api("/internal/telemetry", {
      key: o.nodeKey,
      method: "POST",
      json: { node: "n1", invocations: [record, { ...record, id: "inv_x", functionId: "fn_gone" }], logs: [] },
    }),
    200,
  );
  assert.deepEqual(ok.accepted, { invocations: 1, logs: 0 });
  const bad = await errorOf(
    await o.api("/internal/telemetry", {
      key: o.nodeKey,
      method: "POST",
      json: { node: "n1", invocations: [{ ...record, durationMs: "slow" }], logs: [] },
    }),
    400,
  );
  assert.equal(bad.details?.path, "invocations[0].durationMs");
  const tooMany = Array.from({ length: 5001 }, (_, i) => ({ ...record, id: `inv_${i}` }));
  assert.equal(
    (
      await errorOf(
        await o.api("/internal/telemetry", {
          key: o.nodeKey,
          method: "POST",
          json: { node: "n", invocations: tooMany, logs: [] },
        }),
        400,
      )
    ).code,
    "FN_006",
  );
});
