/**
 * The four JS handler shapes of contract section 4, deployed for real and called through
 * the edge or the invoke API, and the web APIs an isolate offers them.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../../core/index.ts";
import { startPlatform, tempDir, type TestPlatform } from "../helpers/platform.ts";
import { deployFiles, errorOf, eventually } from "../helpers/functions.ts";

let p: TestPlatform;
before(async () => {
  p = await startPlatform();
});
after(async () => {
  await p?.stop();
});

test("seed shape: handler(req, ctx) with params, query, JSON body and web APIs", async () => {
  await deployFiles(
    p,
    { name: "seed", triggers: [{ type: "http", path: "/seed/:id", methods: ["POST"] }] },
    {
      "index.ts": `export async function handler(req: Request, ctx: { env: Record<string, string> }) {
      const url = new URL(req.url);
      const body = await req.json();
      const bytes = new TextEncoder().encode("héllo");
      return Response.json({
        path: url.pathname, q: url.searchParams.get("q"), body,
        uuid: crypto.randomUUID(), bytes: bytes.length, decoded: new TextDecoder().decode(bytes),
        header: req.headers.get("x-custom"), b64: btoa("hi"),
      }, { status: 201, headers: { "x-from": "seed" } });
    }`,
    },
  );
  const res = await p.edge("/seed/42?q=yes", {
    method: "POST",
    headers: { "content-type": "application/json", "x-custom": "abc" },
    body: JSON.stringify({ a: 1 }),
  });
  assert.equal(res.status, 201);
  assert.equal(res.headers.get("x-from"), "seed");
  const body = (await res.json()) as Record<string, unknown>;
  assert.equal(body.path, "/seed/42");
  assert.equal(body.q, "yes");
  assert.deepEqual(body.body, { a: 1 });
  assert.match(String(body.uuid), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(body.bytes, 6);
  assert.equal(body.decoded, "héllo");
  assert.equal(body.header, "abc");
  assert.equal(body.b64, "aGk=");
});

test("Workers module shape: default { fetch(req, env, ctx) } with env and waitUntil", async () => {
  await deployFiles(
    p,
    { name: "worker", environment: { WHO: "workers" }, triggers: [{ type: "http", path: "/worker" }] },
    {
      "index.ts": `export default {
      async fetch(req: Request, env: Record<string, string>, ctx: { waitUntil(p: Promise<unknown>): void }) {
        ctx.waitUntil(new Promise((r) => setTimeout(r, 20)).then(() => console.log("after the response")));
        return new Response("hello " + env.WHO);
      },
    };`,
    },
  );
  const res = await p.edge("/worker");
  assert.equal(await res.text(), "hello workers");
  const id = res.headers.get("x-bunbase-invocation-id");
  await eventually(async () => {
    const logs = (await (await p.api(`/functions/worker/logs?invocationId=${id}`)).json()) as {
      logs: { message: string }[];
    };
    return logs.logs.find((l) => l.message === "after the response");
  });
});

test("export default app: a real Hono app bundled by the CLI from the function's own node_modules", async () => {
  const dir = join(tempDir(), "honoapp");
  mkdirSync(join(dir, "node_modules"), { recursive: true });
  symlinkSync(join(REPO_ROOT, "node_modules", "hono"), join(dir, "node_modules", "hono"), "dir");
  writeFileSync(
    join(dir, "function.config.json"),
    JSON.stringify({ handler: "index.default", triggers: [{ type: "http", path: "/app/*", methods: ["GET"] }] }),
  );
  writeFileSync(
    join(dir, "index.ts"),
    `import { Hono } from "hono";
     const app = new Hono().basePath("/app");
     app.get("/users/:id", (c) => c.json({ id: c.req.param("id"), via: "hono" }));
     export default app;`,
  );
  const deploy = await p.cli(["functions", "deploy", "honoapp", "--dir", dir]);
  assert.equal(deploy.code, 0, deploy.stderr + deploy.stdout);
  await p.synced();
  const res = await p.edge("/app/users/7");
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { id: "7", via: "hono" });
  const missing = await p.edge("/app/none");
  assert.equal(missing.status, 404);
  await missing.body?.cancel();
});

test("event handler: invoke?event= delivers a CloudEvents-shaped event, sync and async", async () => {
  await deployFiles(
    p,
    { name: "events", handler: "index.onUserCreate" },
    {
      "index.ts": `export async function onUserCreate(event: { type: string; data: { email: string }; metadata: { attempt: number } }) {
      console.info("user", event.data.email);
      return { welcomed: event.data.email, type: event.type, attempt: event.metadata.attempt };
    }`,
    },
  );
  const res = await p.api("/functions/events/invoke?event=auth.user.create", {
    method: "POST",
    json: { email: "a@b.c" },
  });
  assert.equal(res.status, 200, await res.clone().text());
  assert.deepEqual(await res.json(), { result: { welcomed: "a@b.c", type: "auth.user.create", attempt: 1 } });
  assert.equal(res.headers.get("x-bunbase-version"), "1");

  const queued = await p.api("/functions/events/invoke?event=custom&async=1", {
    method: "POST",
    json: { email: "x@y.z" },
  });
  assert.equal(queued.status, 202);
  const { invocationId } = (await queued.json()) as { invocationId: string };
  const done = await eventually(async () => {
    const r = (await (await p.api(`/functions/events/invocations/${invocationId}`)).json()) as {
      status: string;
      result?: unknown;
      attempts: number;
    };
    return r.status === "succeeded" || r.status === "failed" ? r : undefined;
  });
  assert.equal(done.status, "succeeded");
  assert.equal(done.attempts, 1);
  assert.deepEqual(done.result, { welcomed: "x@y.z", type: "custom", attempt: 1 });
});

test("HTTP-shape invoke through the API returns the function's Response as is", async () => {
  const res = await p.api("/functions/seed/invoke", { method: "POST", json: { via: "invoke" } });
  assert.equal(res.status, 201);
  assert.equal(res.headers.get("x-from"), "seed");
  assert.ok(res.headers.get("x-bunbase-invocation-id"));
  assert.equal(((await res.json()) as { body: unknown }).body && true, true);
  const unknown = await p.api("/functions/nope/invoke", { method: "POST", json: {} });
  assert.equal((await errorOf(unknown)).code, "FN_001");
});
