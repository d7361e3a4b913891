import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { isBunbaseError } from "../../../core/index.ts";
import { parseSendBody } from "./queues.ts";
import { openTestData, type TestData } from "./test-store.ts";

let t: TestData;
before(() => (t = openTestData()));
after(() => t.close());

const invalidAt = (path: string) => (err: unknown) =>
  isBunbaseError(err) && err.code === "FN_006" && err.details?.path === path;

test("each message becomes one queue event; idempotency keys are passed on and duplicates counted", () => {
  const sent = t.data.queue.send("jobs", [{ body: { n: 1 } }, { body: "two", idempotencyKey: "k2" }]);
  assert.deepEqual(sent, { accepted: 2, duplicates: 0 });
  assert.deepEqual(t.data.queue.send("jobs", [{ body: "again", idempotencyKey: "k2" }]), {
    accepted: 0,
    duplicates: 1,
  });
  assert.deepEqual(t.sink.take(), [
    { type: "queue", source: "/queues/jobs", data: { n: 1 }, metadata: { queue: "jobs" } },
    { type: "queue", source: "/queues/jobs", data: "two", metadata: { queue: "jobs" }, idempotencyKey: "k2" },
  ]);
});

test("the REST body is {messages: [...]} or {message: {...}}; malformed messages name their index", () => {
  assert.deepEqual(parseSendBody({ message: { body: 1 } }), [{ body: 1 }]);
  assert.throws(() => parseSendBody({}), invalidAt("messages"));
  assert.throws(() => parseSendBody({ messages: [], extra: 1 }), invalidAt("extra"));
  assert.throws(() => t.data.queue.send("jobs", []), invalidAt("messages"));
  assert.throws(() => t.data.queue.send("jobs", [{ body: 1 }, { n: 2 } as never]), invalidAt("messages[1]"));
  assert.throws(() => t.data.queue.send("jobs", [{ body: 1, extra: 2 } as never]), invalidAt("messages[0].extra"));
  assert.throws(
    () => t.data.queue.send("jobs", [{ body: 1, idempotencyKey: "" }]),
    invalidAt("messages[0].idempotencyKey"),
  );
  assert.throws(() => t.data.queue.send("bad/name", [{ body: 1 }]), invalidAt("queue"));
  assert.deepEqual(t.sink.take(), []);
});
