import { afterEach, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { SecretVault } from "../services/secret-vault.ts";
import { WebhookReceiver, parseBody } from "./webhook-receiver.ts";
import { WebhookSecrets } from "./webhook-secrets.ts";
import { hmacHex } from "./webhook-signatures.ts";
import { openTempStore, putFunction, quietLog, RecordingSink, type TempStore } from "./test-support.ts";

const SECRET = "gh-secret-42";
let t: TempStore;
let sink: RecordingSink;
let receiver: WebhookReceiver;
let vault: SecretVault;

beforeEach(() => {
  t = openTempStore();
  sink = new RecordingSink();
  vault = new SecretVault(randomBytes(32));
  const secrets = new WebhookSecrets(t.store, vault);
  receiver = new WebhookReceiver({
    store: t.store,
    events: sink,
    log: quietLog,
    resolveSecret: (fn, value) => secrets.resolve(fn, value),
  });
  t.store.env.putSecret(
    "GH_SECRET",
    "prod",
    vault.seal(SECRET, { owner: "project", environment: "prod", name: "GH_SECRET" }),
  );
});
afterEach(() => t.close());

function github(path: string, body: string, delivery: string, secret = SECRET) {
  const headers: Record<string, string> = {
    "x-hub-signature-256": `sha256=${hmacHex(secret, body)}`,
    "x-github-delivery": delivery,
    "x-github-event": "push",
    "content-type": "application/json",
    authorization: "Bearer never-copied",
  };
  return { path, header: (name: string) => headers[name], body: Buffer.from(body) };
}

test("a valid delivery is queued once to its trigger, with the webhook event; a replay is a duplicate", () => {
  const id = putFunction(t.store, "gh", [
    { type: "http", path: "/gh" },
    { type: "webhook", path: "/github/:repo", scheme: "github", secret: "${secrets.GH_SECRET}" },
  ]);
  const first = receiver.receive(github("/github/bunbase", '{"ref":"main"}', "d-1"));
  assert.equal(first.duplicate, false);
  assert.equal(sink.deliveries.length, 1);
  const { target, event } = sink.deliveries[0];
  assert.deepEqual(target, { functionId: id, triggerIndex: 1 });
  assert.equal(event.type, "webhook");
  assert.equal(event.source, "/webhooks/github/:repo");
  assert.deepEqual(event.data, { ref: "main" });
  assert.deepEqual(event.metadata, {
    scheme: "github",
    path: "/github/bunbase",
    params: { repo: "bunbase" },
    headers: { "content-type": "application/json", "x-github-event": "push", "x-github-delivery": "d-1" },
  });
  const replay = receiver.receive(github("/github/bunbase", '{"ref":"main"}', "d-1"));
  assert.deepEqual(replay, { eventId: first.eventId, duplicate: true });
  assert.equal(sink.deliveries.length, 1);
  receiver.receive(github("/github/bunbase", '{"ref":"main"}', "d-2"));
  assert.equal(sink.deliveries.length, 2);
});

test("a bad signature or a missing secret is 401 FN_009 and nothing is queued", () => {
  putFunction(t.store, "gh", [{ type: "webhook", path: "/gh", scheme: "github", secret: "${secrets.GH_SECRET}" }]);
  putFunction(t.store, "nosecret", [{ type: "webhook", path: "/ns", scheme: "github", secret: "${secrets.NOPE}" }]);
  const refused = { code: "FN_009", status: 401 };
  assert.throws(() => receiver.receive(github("/gh", "{}", "d-1", "wrong")), refused);
  assert.throws(() => receiver.receive(github("/ns", "{}", "d-1")), refused);
  assert.throws(() => receiver.receive(github("/ns", "{}", "d-1", "")), refused);
  assert.throws(() => receiver.receive(github("/nowhere", "{}", "d-1")), { code: "FN_001", status: 404 });
  assert.equal(sink.deliveries.length, 0);
});

test("the function's own secret variable wins over the project secret; config changes apply at once", () => {
  const id = putFunction(t.store, "gh", [
    { type: "webhook", path: "/gh", scheme: "github", secret: "${secrets.GH_SECRET}" },
  ]);
  t.store.env.putVar(
    id,
    "prod",
    "GH_SECRET",
    null,
    vault.seal("own", { owner: id, environment: "prod", name: "GH_SECRET" }),
  );
  assert.throws(() => receiver.receive(github("/gh", "{}", "d-1")), { code: "FN_009" });
  receiver.receive(github("/gh", "{}", "d-1", "own"));
  putFunction(t.store, "gh", [{ type: "webhook", path: "/moved", scheme: "hmac-sha256", secret: "literal" }]);
  assert.throws(() => receiver.receive(github("/gh", "{}", "d-2", "own")), { code: "FN_001" });
  const body = Buffer.from("plain text");
  const headers: Record<string, string> = { "x-signature-256": `sha256=${hmacHex("literal", body)}` };
  receiver.receive({ path: "/moved", header: (n) => headers[n], body });
  assert.equal(sink.deliveries.at(-1)?.event.data, "plain text");
});

test("a delivery the engine refuses is not remembered: the sender's retry is queued", () => {
  putFunction(t.store, "gh", [{ type: "webhook", path: "/gh", scheme: "github", secret: "${secrets.GH_SECRET}" }]);
  sink.failWith = new Error("engine down");
  assert.throws(() => receiver.receive(github("/gh", "{}", "d-1")), /engine down/);
  sink.failWith = undefined;
  assert.equal(receiver.receive(github("/gh", "{}", "d-1")).duplicate, false);
  assert.equal(sink.deliveries.length, 1);
});

test("bodies: JSON, GitHub's form-encoded payload, text", () => {
  assert.deepEqual(parseBody(Buffer.from('{"a":1}')), { a: 1 });
  const form = Buffer.from(`payload=${encodeURIComponent('{"a":2}')}`);
  assert.deepEqual(parseBody(form, "application/x-www-form-urlencoded"), { a: 2 });
  assert.equal(parseBody(Buffer.from("hello")), "hello");
});
