import { test } from "node:test";
import assert from "node:assert/strict";
import { invocationFromFile, resolveLocalEnv } from "./event-file.ts";
import { UsageError } from "./command.ts";

const now = new Date("2026-01-02T03:04:05.000Z");

test("an HTTP description becomes a request; an object body is sent as JSON", () => {
  const inv = invocationFromFile(
    {
      method: "post",
      path: "/greeter",
      query: { a: "1", tag: ["x", "y"] },
      headers: { "X-Trace": "t" },
      body: { name: "world" },
    },
    { defaultPath: "/" },
  );
  assert.equal(inv.kind, "http");
  if (inv.kind !== "http") return;
  assert.equal(inv.method, "POST");
  assert.equal(inv.url, "http://127.0.0.1:8787/greeter?a=1&tag=x&tag=y");
  assert.deepEqual(inv.headers, [
    ["x-trace", "t"],
    ["content-type", "application/json"],
  ]);
  assert.equal(new TextDecoder().decode(inv.body!), '{"name":"world"}');
});

test("defaults: GET on the trigger's path without a body, POST with one; explicit content-type kept", () => {
  const get = invocationFromFile({}, { defaultPath: "/hello" });
  assert.ok(get.kind === "http" && get.method === "GET" && get.url.endsWith("/hello") && get.body === null);
  const post = invocationFromFile({ body: "hi", headers: { "content-type": "text/csv" } }, { defaultPath: "/" });
  assert.ok(post.kind === "http" && post.method === "POST");
  assert.deepEqual(post.kind === "http" && post.headers, [["content-type", "text/csv"]]);
});

test("a `type` field makes an Event with id, source, time and metadata.attempt filled in", () => {
  const inv = invocationFromFile({ type: "auth.user.create", data: { email: "a@b.c" } }, { defaultPath: "/", now });
  assert.equal(inv.kind, "event");
  if (inv.kind !== "event") return;
  assert.equal(inv.event.type, "auth.user.create");
  assert.deepEqual(inv.event.data, { email: "a@b.c" });
  assert.equal(inv.event.time, "2026-01-02T03:04:05.000Z");
  assert.equal(inv.event.metadata.attempt, 1);
  assert.match(inv.event.id, /^[0-9a-f-]{36}$/);
  assert.equal(typeof inv.event.source, "string");
  const kept = invocationFromFile(
    { type: "queue", id: "e1", metadata: { attempt: 3, queue: "q" } },
    { defaultPath: "/" },
  );
  assert.ok(kept.kind === "event" && kept.event.id === "e1");
  assert.deepEqual(kept.kind === "event" && kept.event.metadata, { attempt: 3, queue: "q" });
});

test("files that are not an object, a relative path or a GET with a body are usage errors", () => {
  assert.throws(() => invocationFromFile([1], { defaultPath: "/" }), UsageError);
  assert.throws(() => invocationFromFile({ path: "greeter" }, { defaultPath: "/" }), UsageError);
  assert.throws(() => invocationFromFile({ method: "GET", body: {} }, { defaultPath: "/" }), UsageError);
});

test("${secrets.X} resolves from BUNBASE_SECRET_X, else the variable is reported unresolved", () => {
  const env = resolveLocalEnv(
    { PLAIN: "v", TOKEN: "Bearer ${secrets.API_TOKEN}", DB: "${secrets.DB_URL}" },
    { BUNBASE_SECRET_API_TOKEN: "abc" },
  );
  assert.deepEqual(env.values, { PLAIN: "v", TOKEN: "Bearer abc" });
  assert.deepEqual(env.unresolved, [{ key: "DB", secrets: ["DB_URL"] }]);
});
