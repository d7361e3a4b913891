/**
 * Invocations through the runner (an edge node in runner mode, started by the origin).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createAndDeploy, errorOf, json, startOrigin, type Origin } from "./origin-process.ts";
import { eventually } from "../../test/helpers/functions.ts";

let o: Origin;

describe("invoke through the runner", () => {
  before(async () => {
    o = await startOrigin();
    await createAndDeploy(
      o,
      { name: "echo" },
      {
        "index.ts": `export async function handler(req: Request) {
        const url = new URL(req.url);
        console.log("echo called", url.search);
        return new Response(JSON.stringify({ method: req.method, body: await req.text(), type: req.headers.get("content-type"), search: url.search, v: process.env.V ?? null }), {
          status: 201, headers: { "content-type": "application/json", "x-custom": "yes" } });
      }`,
      },
    );
    await createAndDeploy(
      o,
      { name: "events" },
      {
        "index.ts": `export async function handler(event: { type: string; data: unknown; source: string; metadata: { attempt: number } }) {
        return { type: event.type, data: event.data, source: event.source, attempt: event.metadata.attempt };
      }`,
      },
    );
    await createAndDeploy(
      o,
      { name: "flaky", timeout: 1 },
      {
        "index.ts": `export async function handler() { throw new Error("always fails"); }`,
      },
    );
  });
  after(async () => {
    await o?.stop();
  });

  test("sync: the function's response comes back as is, with the x-bunbase headers", async () => {
    await json(await o.api("/functions/echo/env", { method: "POST", json: { key: "V", value: "from-env" } }), 201);
    const res = await o.api("/functions/echo/invoke?page=2", {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: "ping",
    });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get("x-custom"), "yes");
    for (const h of ["x-bunbase-invocation-id", "x-bunbase-version", "x-bunbase-cold-start", "server-timing"])
      assert.ok(res.headers.get(h), h);
    assert.equal(res.headers.get("x-bunbase-version"), "1");
    assert.deepEqual(await res.json(), {
      method: "POST",
      body: "ping",
      type: "text/plain",
      search: "?page=2",
      v: "from-env",
    });
    const id = res.headers.get("x-bunbase-invocation-id");
    const logged = await eventually(async () => {
      const { logs } = await json<{ logs: { message: string }[] }>(
        await o.api(`/functions/echo/logs?invocationId=${id}`),
        200,
      );
      return logs[0];
    });
    assert.match(logged.message, /echo called/);
    const metrics = await eventually(async () => {
      const m = await json<{ invocations: number }>(await o.api("/functions/echo/metrics?window=5m"), 200);
      return m.invocations >= 1 ? m : undefined;
    });
    assert.ok(metrics.invocations >= 1);
  });

  test("a pinned version runs that version", async () => {
    await json(
      await o.api("/functions/echo/deploy", {
        method: "POST",
        json: { files: { "index.ts": `export function handler() { return new Response("v2"); }` } },
      }),
      201,
    );
    assert.equal(await (await o.api("/functions/echo/invoke", { method: "POST" })).text(), "v2");
    const pinned = await o.api("/functions/echo/invoke?version=1", { method: "POST", body: "x" });
    assert.equal(pinned.headers.get("x-bunbase-version"), "1");
    assert.equal(((await pinned.json()) as { body: string }).body, "x");
    assert.equal(
      (await errorOf(await o.api("/functions/echo/invoke?version=9", { method: "POST" }), 400)).details?.path,
      "version",
    );
    assert.equal(
      (await errorOf(await o.api("/functions/echo/invoke?environment=staging", { method: "POST" }), 404)).code,
      "FN_001",
    );
  });

  test("event=<type>: the handler gets a CloudEvents-shaped event, the reply is {result}", async () => {
    const res = await o.api("/functions/events/invoke?event=custom", { method: "POST", json: { hello: "world" } });
    assert.equal(res.status, 200);
    assert.ok(res.headers.get("x-bunbase-invocation-id"));
    assert.deepEqual(await res.json(), {
      result: { type: "custom", data: { hello: "world" }, source: "bunbase/invoke", attempt: 1 },
    });
    const bad = await o.api("/functions/events/invoke?event=custom", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{nope",
    });
    assert.equal((await errorOf(bad, 400)).details?.path, "body");
  });

  test("async=1: 202 with an id, then succeeded with the result", async () => {
    const { invocationId } = await json<{ invocationId: string }>(
      await o.api("/functions/events/invoke?event=custom&async=1", { method: "POST", json: { n: 1 } }),
      202,
    );
    const done = await eventually(async () => {
      const s = await json<{ status: string; attempts: number; result?: unknown }>(
        await o.api(`/functions/events/invocations/${invocationId}`),
        200,
      );
      return s.status === "succeeded" ? s : undefined;
    });
    assert.equal(done.attempts, 1);
    assert.deepEqual(done.result, { type: "custom", data: { n: 1 }, source: "bunbase/invoke", attempt: 1 });
    assert.equal((await errorOf(await o.api("/functions/events/invocations/inv_nope"), 404)).code, "FN_001");
  });

  test("async failures are retried 3 times, then failed with the error", async () => {
    const { invocationId } = await json<{ invocationId: string }>(
      await o.api("/functions/flaky/invoke?async=1", { method: "POST" }),
      202,
    );
    const failed = await eventually(async () => {
      const s = await json<{ status: string; attempts: number; error?: { code?: string } }>(
        await o.api(`/functions/flaky/invocations/${invocationId}`),
        200,
      );
      return s.status === "failed" ? s : undefined;
    }, 60_000);
    assert.equal(failed.attempts, 4);
    assert.equal(failed.error?.code, "FN_004");
  });

  test("bodies over 10 MB are refused before reaching the runner", async () => {
    const res = await o.api("/functions/echo/invoke", { method: "POST", body: new Uint8Array(10 * 1024 * 1024 + 1) });
    assert.equal((await errorOf(res, 413)).code, "FN_006");
  });
});
