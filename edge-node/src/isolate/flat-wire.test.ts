import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeReplies, decodeStarts, encodeReply, encodeStarts } from "./flat-wire.ts";
import type { GuestEventInput, GuestHttpInput } from "./protocol.ts";

const plain: GuestHttpInput = {
  method: "GET",
  url: "https://example.test/a?b=1",
  headers: [
    ["host", "example.test"],
    ["accept", "*/*"],
  ],
  body: null,
  streamBody: false,
  geo: null,
  auth: null,
  requestId: "inv_1",
};

test("start batches come out as they went in, in order, http and events mixed", () => {
  const withBody: GuestHttpInput = {
    ...plain,
    method: "POST",
    headers: [],
    body: new Uint8Array([1, 2, 3]),
    geo: { country: "DE" },
    auth: { sub: "u1" },
    requestId: "inv_2",
  };
  const event: GuestEventInput = { event: { id: "e1", type: "custom" }, handler: "onCustom" };
  const streamed: GuestHttpInput = { ...plain, method: "PUT", streamBody: true, requestId: "inv_4" };
  const flat = encodeStarts([
    [1, "http", plain],
    [2, "http", withBody],
    [3, "event", event],
    [4, "http", streamed],
  ]);
  const seen: unknown[] = [];
  decodeStarts(
    flat,
    (key, input) => seen.push([key, "http", input]),
    (key, input) => seen.push([key, "event", input]),
  );
  assert.deepEqual(seen, [
    [1, "http", plain],
    [2, "http", withBody],
    [3, "event", event],
    [4, "http", streamed],
  ]);
  // The common request crosses as primitives only: no object per invocation.
  assert.ok(encodeStarts([[1, "http", plain]]).every((v) => v === null || typeof v !== "object"));
});

test("replies: ok HTTP results flat, everything else as it was", () => {
  const outbox: unknown[] = [];
  const result = {
    ok: true,
    waiting: false,
    status: 201,
    headers: [["content-type", "text/plain"]],
    body: new Uint8Array([104, 105]),
    streaming: false,
  };
  const streaming = { ok: true, waiting: true, status: 200, headers: [], body: null, streaming: true };
  const failed = { ok: false, waiting: false, error: { kind: "uncaught", name: "Error", message: "x", stack: "" } };
  const event = { ok: true, waiting: false, json: "1" };
  encodeReply(outbox, 1, "result", result);
  encodeReply(outbox, 2, "result", streaming);
  encodeReply(outbox, 3, "result", failed);
  encodeReply(outbox, 4, "result", event);
  encodeReply(outbox, 5, "chunk", { done: true });
  encodeReply(outbox, 6, "drained", []);
  const seen: unknown[] = [];
  decodeReplies(outbox, (key, kind, value) => seen.push([key, kind, value]));
  assert.deepEqual(seen, [
    [1, "result", result],
    [2, "result", streaming],
    [3, "result", failed],
    [4, "result", event],
    [5, "chunk", { done: true }],
    [6, "drained", []],
  ]);
});

test("a reply batch with broken framing stops at the first bad entry, never throws", () => {
  const good: unknown[] = [];
  encodeReply(good, 1, "chunk", { done: true });
  const cases: unknown[] = [
    "not an array",
    null,
    [...good, "key", 1, "chunk", {}],
    [...good, 2, 7, 200, 0, null, 0],
    [...good, 2, 0, 200, 0, null, 5, "a", "b"],
    [...good, 2, 0, 200, 0, null, -1],
    [...good, 2, 0, 200, 0, null, 1.5, "a", "b"],
    [...good, 2, 1, "chunk"],
  ];
  for (const flat of cases) {
    const seen: number[] = [];
    assert.doesNotThrow(() => decodeReplies(flat, (key) => seen.push(key)));
    assert.deepEqual(seen, Array.isArray(flat) ? [1] : []);
  }
});
