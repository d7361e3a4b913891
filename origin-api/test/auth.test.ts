import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { errorOf, json, startOrigin, type Origin } from "./origin-process.ts";

let o: Origin;
before(async () => {
  o = await startOrigin();
});
after(async () => {
  await o?.stop();
});

const newKey = async (role: string) =>
  await json<{ key: string; id: string }>(await o.api("/keys", { method: "POST", json: { name: role, role } }), 201);

test("GET /health needs no key; every other route answers 401 FN_009 without a valid key", async () => {
  assert.deepEqual(await json(await o.api("/health", { key: null }), 200), { status: "ok" });
  const missing = await o.api("/functions", { key: null });
  assert.equal(missing.headers.get("www-authenticate")?.startsWith("Bearer"), true);
  assert.equal((await errorOf(missing, 401)).code, "FN_009");
  assert.equal((await errorOf(await o.api("/functions", { key: "bb_admin_wrong" }), 401)).code, "FN_009");
  assert.equal((await errorOf(await o.api("/nope", { key: null }), 401)).code, "FN_009");
});

test("a viewer reads but cannot change anything", async () => {
  const { key } = await newKey("viewer");
  await json(await o.api("/functions", { key }), 200);
  const post = await o.api("/functions", { key, method: "POST", json: { name: "nope" } });
  assert.equal((await errorOf(post, 403)).code, "FN_009");
  assert.equal((await errorOf(await o.api("/keys", { key }), 403)).code, "FN_009");
});

test("a deployer does everything but key management", async () => {
  const { key } = await newKey("deployer");
  await json(await o.api("/functions", { key, method: "POST", json: { name: "by-deployer" } }), 201);
  assert.equal((await errorOf(await o.api("/keys", { key }), 403)).code, "FN_009");
  assert.equal(
    (await errorOf(await o.api("/keys", { key, method: "POST", json: { name: "x", role: "admin" } }), 403)).code,
    "FN_009",
  );
  assert.equal((await errorOf(await o.api("/internal/snapshot", { key }), 403)).code, "FN_009");
});

test("a node key may call /internal/* only; admin may too", async () => {
  await json(await o.api("/internal/snapshot", { key: o.nodeKey }), 200);
  await json(await o.api("/internal/snapshot"), 200);
  assert.equal((await errorOf(await o.api("/functions", { key: o.nodeKey }), 403)).code, "FN_009");
});

test("keys: created keys are shown once, listed without secrets, and revocable", async () => {
  const created = await newKey("viewer");
  assert.match(created.key, /^bb_viewer_/);
  const { keys } = await json<{ keys: Record<string, unknown>[] }>(await o.api("/keys"), 200);
  assert.ok(keys.some((k) => k.id === created.id));
  assert.ok(!JSON.stringify(keys).includes(created.key));
  assert.equal(
    (await errorOf(await o.api("/keys", { method: "POST", json: { name: "x", role: "root" } }), 400)).details?.path,
    "role",
  );
  assert.equal((await o.api(`/keys/${created.id}`, { method: "DELETE" })).status, 204);
  assert.equal((await errorOf(await o.api("/functions", { key: created.key }), 401)).code, "FN_009");
});

test("every response carries x-request-id", async () => {
  const res = await o.api("/functions");
  assert.match(res.headers.get("x-request-id") ?? "", /^req_/);
  await res.body?.cancel();
});
