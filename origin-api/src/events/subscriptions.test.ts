import { test } from "node:test";
import assert from "node:assert/strict";
import { SubscriptionIndex, subscriptionsOf } from "./subscriptions.ts";
import type { PlatformEvent } from "./types.ts";

const fn = (id: string, triggers: unknown[]) => ({ id, config: { triggers } });
const ev = (type: string, metadata: Record<string, unknown> = {}): PlatformEvent => ({
  type,
  source: "/test",
  data: null,
  metadata,
});

const functions = [
  fn("f_db", [
    { type: "http", path: "/x", methods: ["GET"] },
    { type: "database", collection: "profiles", events: ["create", "delete"] },
  ]),
  fn("f_storage", [{ type: "storage", bucket: "uploads", events: ["upload"] }]),
  fn("f_auth", [{ type: "auth", events: ["user.create"] }, { type: "auth" }]),
  fn("f_queue", [{ type: "queue", queue: "jobs", batchSize: 10, maxRetries: 1, deadLetterQueue: "jobs-dead" }]),
  fn("f_event", [{ type: "event", event: "order.paid", maxEventAge: 60, handler: "onPaid" }]),
];

const matched = (e: PlatformEvent) => {
  const index = new SubscriptionIndex(
    () => functions,
    () => 1,
  );
  return index.match(e).map((s) => `${s.functionId}#${s.triggerIndex}`);
};

test("database triggers match their collection and operations", () => {
  assert.deepEqual(matched(ev("database.create", { collection: "profiles" })), ["f_db#1"]);
  assert.deepEqual(matched(ev("database.update", { collection: "profiles" })), []);
  assert.deepEqual(matched(ev("database.delete", { collection: "other" })), []);
});

test("storage, auth, queue and custom events", () => {
  assert.deepEqual(matched(ev("storage.upload", { bucket: "uploads" })), ["f_storage#0"]);
  assert.deepEqual(matched(ev("storage.delete", { bucket: "uploads" })), []);
  assert.deepEqual(matched(ev("auth.user.create")), ["f_auth#0", "f_auth#1"]);
  assert.deepEqual(matched(ev("auth.login")), ["f_auth#1"]);
  assert.deepEqual(matched(ev("queue", { queue: "jobs" })), ["f_queue#0"]);
  assert.deepEqual(matched(ev("queue", { queue: "other" })), []);
  assert.deepEqual(matched(ev("order.paid")), ["f_event#0"]);
  assert.deepEqual(matched(ev("order.created")), []);
});

test("policies: maxRetries + 1 attempts (default 4), maxEventAge in ms, batch size, handler", () => {
  const [queue] = subscriptionsOf(functions[3]!);
  assert.equal(queue!.maxAttempts, 2);
  assert.equal(queue!.batchSize, 10);
  assert.equal(queue!.deadLetterQueue, "jobs-dead");
  const [custom] = subscriptionsOf(functions[4]!);
  assert.equal(custom!.maxAttempts, 4);
  assert.equal(custom!.maxAgeMs, 60_000);
  assert.equal(custom!.handler, "onPaid");
  assert.equal(custom!.batchSize, 1);
});

test("the index is rebuilt only when the revision moves", () => {
  let loads = 0;
  let revision = 1;
  const index = new SubscriptionIndex(
    () => (loads++, functions),
    () => revision,
  );
  index.match(ev("x"));
  index.match(ev("y"));
  assert.equal(loads, 1);
  revision = 2;
  index.match(ev("x"));
  assert.equal(loads, 2);
});
