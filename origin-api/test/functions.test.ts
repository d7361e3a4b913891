import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { errorOf, httpTrigger, json, startOrigin, type Origin } from "./origin-process.ts";

let o: Origin;
before(async () => {
  o = await startOrigin();
});
after(async () => {
  await o?.stop();
});

interface Fn {
  id: string;
  name: string;
  runtime: string;
  memory: number;
  timeout: number;
  triggers: unknown[];
  activeVersions: Record<string, number>;
  createdAt: string;
  updatedAt: string;
}

test("create, get by id and by name, list, replace, delete", async () => {
  const created = await json<Fn>(
    await o.api("/functions", { method: "POST", json: { name: "crud", memory: 256, triggers: httpTrigger("/crud") } }),
    201,
  );
  assert.match(created.id, /^fn_/);
  assert.equal(created.name, "crud");
  assert.equal(created.memory, 256);
  assert.equal(created.timeout, 30, "defaults applied");
  assert.deepEqual(created.activeVersions, {});
  for (const key of [
    "runtime",
    "handler",
    "environment",
    "triggers",
    "scaling",
    "vpc",
    "edge",
    "placement",
    "createdAt",
    "updatedAt",
  ]) {
    assert.ok(key in created, `Function has ${key}`);
  }
  assert.equal((await json<Fn>(await o.api(`/functions/${created.id}`), 200)).name, "crud");
  assert.equal((await json<Fn>(await o.api("/functions/crud"), 200)).id, created.id);
  const { functions } = await json<{ functions: Fn[] }>(await o.api("/functions"), 200);
  assert.ok(functions.some((f) => f.id === created.id));

  const replaced = await json<Fn>(
    await o.api("/functions/crud", { method: "PUT", json: { timeout: 5, triggers: httpTrigger("/crud2") } }),
    200,
  );
  assert.equal(replaced.timeout, 5);
  assert.equal(replaced.memory, 128, "PUT replaces the whole config");
  assert.equal(replaced.name, "crud");

  assert.equal((await o.api("/functions/crud", { method: "DELETE" })).status, 204);
  assert.equal((await errorOf(await o.api("/functions/crud"), 404)).code, "FN_001");
  assert.equal((await errorOf(await o.api(`/functions/${created.id}`, { method: "DELETE" }), 404)).code, "FN_001");
});

test("FN_006 names the path: unknown key, bad cron, duplicate name, missing name", async () => {
  const unknown = await errorOf(
    await o.api("/functions", { method: "POST", json: { name: "bad1", memroy: 256 } }),
    400,
  );
  assert.equal(unknown.code, "FN_006");
  assert.equal(unknown.details?.path, "memroy");

  const cron = await errorOf(
    await o.api("/functions", {
      method: "POST",
      json: { name: "bad2", triggers: [{ type: "schedule", cron: "61 * * * *" }] },
    }),
    400,
  );
  assert.match(String(cron.details?.path), /^triggers\[0\]\.cron/);

  await json(await o.api("/functions", { method: "POST", json: { name: "taken" } }), 201);
  assert.equal(
    (await errorOf(await o.api("/functions", { method: "POST", json: { name: "taken" } }), 400)).details?.path,
    "name",
  );
  assert.equal(
    (await errorOf(await o.api("/functions", { method: "POST", json: { memory: 128 } }), 400)).details?.path,
    "name",
  );
});

test("two functions claiming the same method and route: FN_006 at create and at PUT", async () => {
  await json(
    await o.api("/functions", {
      method: "POST",
      json: { name: "owner", triggers: httpTrigger("/users/:id", ["GET"]) },
    }),
    201,
  );
  const clash = await errorOf(
    await o.api("/functions", {
      method: "POST",
      json: {
        name: "clash",
        triggers: [{ type: "http", path: "/other" }, ...httpTrigger("/users/:uid", ["GET", "PUT"])],
      },
    }),
    400,
  );
  assert.equal(clash.details?.path, "triggers[1].path");
  // Same route, other method: fine.
  await json(
    await o.api("/functions", {
      method: "POST",
      json: { name: "putter", triggers: httpTrigger("/users/:uid", ["PUT"]) },
    }),
    201,
  );
  const put = await errorOf(
    await o.api("/functions/putter", { method: "PUT", json: { triggers: httpTrigger("/users/:x", ["GET"]) } }),
    400,
  );
  assert.equal(put.details?.path, "triggers[0].path");
  // A function may keep its own routes on PUT.
  await json(
    await o.api("/functions/owner", { method: "PUT", json: { triggers: httpTrigger("/users/:id", ["GET"]) } }),
    200,
  );
});

test("malformed JSON, non-object bodies and unknown routes", async () => {
  const malformed = await o.api("/functions", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: '{"name": "x",',
  });
  assert.equal((await errorOf(malformed, 400)).code, "FN_006");
  assert.equal((await errorOf(await o.api("/functions", { method: "POST", json: [1, 2] }), 400)).code, "FN_006");
  const missing = await errorOf(await o.api("/no/such/route"), 404);
  assert.equal(missing.code, "FN_001");
  assert.equal(missing.message, "Route not found");
});

test("bodies over 10 MB: 413 FN_006, with and without content-length", async () => {
  const big = new Uint8Array(10 * 1024 * 1024 + 1);
  const sized = await errorOf(
    await o.api("/functions", { method: "POST", headers: { "content-type": "application/json" }, body: big }),
    413,
  );
  assert.equal(sized.code, "FN_006");
  const chunks = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < 11; i++) controller.enqueue(new Uint8Array(1024 * 1024));
      controller.close();
    },
  });
  const streamed = await o.api("/functions/x/deploy", {
    method: "POST",
    headers: { "content-type": "application/gzip" },
    body: chunks,
    duplex: "half",
  } as RequestInit);
  assert.equal((await errorOf(streamed, 413)).code, "FN_006");
});

test("GET /openapi.json is OpenAPI 3.1", async () => {
  const doc = await json<{ openapi: string; paths: Record<string, unknown> }>(await o.api("/openapi.json"), 200);
  assert.equal(doc.openapi, "3.1.0");
  assert.ok(doc.paths["/functions/{id}/deploy"]);
});

test("GET /metrics is Prometheus text", async () => {
  const res = await o.api("/metrics");
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /text\/plain/);
  assert.match(await res.text(), /bunbase_origin_http_requests_total/);
});
