/** The engine on a real SQLite store in a temp dir; the runner is a stand-in that answers like one. */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { Store } from "../store/index.ts";
import type { InvokeInput, Invoker } from "../services/invoker.ts";
import { EventEngine, IDEMPOTENCY_WINDOW_MS } from "./event-engine.ts";

let dir: string;
let store: Store;
const calls: InvokeInput[] = [];
/** What the stand-in runner answers: a status and a body per call. */
let answer: (input: InvokeInput) => { status: number; body: unknown } = () => ({ status: 200, body: { result: "ok" } });
const runner = {
  invoke: async (_fn: unknown, input: InvokeInput) => {
    calls.push(input);
    const a = answer(input);
    return Response.json(a.body, { status: a.status });
  },
} as unknown as Invoker;

before(() => {
  dir = mkdtempSync(join(tmpdir(), "bunbase-events-"));
  store = Store.open(dir);
  store.functions.insert("fn_a", "a", {
    triggers: [
      { type: "http", path: "/a", methods: ["GET"] },
      { type: "event", event: "order.paid", maxRetries: 1 },
      { type: "queue", queue: "jobs", batchSize: 3, maxRetries: 0, deadLetterQueue: "jobs-dead" },
    ],
  });
  store.functions.insert("fn_b", "b", { triggers: [{ type: "queue", queue: "jobs-dead" }] });
  store.functions.bumpRevision();
});
after(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const engine = (o: { leaseMs?: number } = {}) =>
  new EventEngine({
    store,
    invoker: runner,
    log: pino({ level: "silent" }),
    backoff: { baseMs: 5, capMs: 20 },
    leaseMs: o.leaseMs ?? 30_000,
    shutdownGraceMs: 500,
  });

async function until<T>(check: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
}

test("publish queues one delivery per matching trigger; none when nothing matches", () => {
  const e = engine();
  const p = e.publish({ type: "order.paid", source: "/events", data: { n: 1 } });
  assert.equal(p.deliveries, 1);
  assert.equal(p.duplicate, false);
  const [d] = e.outbox.byEvent(p.eventId);
  assert.equal(d!.functionId, "fn_a");
  assert.equal(d!.triggerIndex, 1);
  assert.equal(d!.maxAttempts, 2);
  assert.deepEqual(d!.event.data, { n: 1 });
  assert.equal(e.publish({ type: "order.nobody", source: "/events", data: null }).deliveries, 0);
});

test("an event published inside a transaction that rolls back leaves nothing behind", () => {
  const e = engine();
  let eventId = "";
  assert.throws(() =>
    store.tx(() => {
      eventId = e.publish({ type: "order.paid", source: "/events", data: null }).eventId;
      throw new Error("the write failed");
    }),
  );
  assert.deepEqual(e.outbox.byEvent(eventId), []);
});

test("an idempotency key is delivered once within 24 h, then forgotten", () => {
  const e = engine();
  const first = e.publish({ type: "order.paid", source: "/events", data: 1, idempotencyKey: "k1" });
  const again = e.publish({ type: "order.paid", source: "/events", data: 2, idempotencyKey: "k1" });
  assert.deepEqual(again, { eventId: first.eventId, deliveries: 0, duplicate: true });
  store.db.prepare("UPDATE event_idempotency SET expires_at = ? WHERE key = 'k1'").run(Date.now() - 1);
  const later = e.publish({ type: "order.paid", source: "/events", data: 3, idempotencyKey: "k1" });
  assert.equal(later.duplicate, false);
  assert.notEqual(later.eventId, first.eventId);
  const pruned = e.outbox.prune(Date.now() + IDEMPOTENCY_WINDOW_MS + 1, 0);
  assert.ok(pruned.keys >= 1);
});

test("deliver() to a trigger that does not exist is FN_001", () => {
  const e = engine();
  assert.throws(() => e.deliver({ functionId: "fn_a", triggerIndex: 9 }, { type: "x", source: "/x", data: null }), {
    code: "FN_001",
  });
});

test("a lease keeps a row from a second dispatcher until it runs out", () => {
  const e = engine();
  store.db.prepare("DELETE FROM event_deliveries").run();
  e.publish({ type: "order.paid", source: "/events", data: null });
  const now = Date.now();
  const [mine] = e.outbox.claim({ owner: "one", limit: 10, now, leaseUntil: now + 1000 });
  assert.ok(mine);
  assert.deepEqual(e.outbox.claim({ owner: "two", limit: 10, now, leaseUntil: now + 1000 }), []);
  const [theirs] = e.outbox.claim({ owner: "two", limit: 10, now: now + 1001, leaseUntil: now + 5000 });
  assert.equal(theirs!.id, mine.id);
  assert.equal(theirs!.attempts, 2);
  assert.equal(e.outbox.succeed(mine.id, "one", null, now + 1002), false, "a lost lease cannot record");
  assert.equal(e.outbox.succeed(mine.id, "two", "done", now + 1002), true);
});

test("failures retry with backoff up to maxRetries, then the dead letters; a retry runs it once more", async (t) => {
  store.db.prepare("DELETE FROM event_deliveries").run();
  calls.length = 0;
  answer = () => ({ status: 502, body: { error: { code: "FN_004", message: "boom" } } });
  const e = engine();
  t.after(() => e.close());
  e.start();
  const { eventId } = e.publish({ type: "order.paid", source: "/events", data: null });
  const dead = await until(() => e.outbox.byEvent(eventId).find((d) => d.status === "dead"));
  assert.equal(dead.attempts, 2);
  assert.deepEqual(
    dead.errors.map((x) => [x.attempt, x.code, x.message]),
    [
      [1, "FN_004", "boom"],
      [2, "FN_004", "boom"],
    ],
  );
  assert.deepEqual(
    calls.map((c) => (c.event as { metadata: { attempt: number } }).metadata.attempt),
    [1, 2],
  );
  answer = () => ({ status: 200, body: { result: "fine" } });
  e.retryDead(dead.id);
  const done = await until(() => e.outbox.byEvent(eventId).find((d) => d.status === "succeeded"));
  assert.equal(done.attempts, 3);
  assert.equal(done.result, "fine");
  assert.throws(() => e.retryDead(dead.id), { code: "FN_006" });
});

test("a 4xx FN_006 is permanent: dead after one attempt", async (t) => {
  store.db.prepare("DELETE FROM event_deliveries").run();
  answer = () => ({ status: 400, body: { error: { code: "FN_006", message: "bad event" } } });
  const e = engine();
  t.after(() => e.close());
  e.start();
  const { eventId } = e.publish({ type: "order.paid", source: "/events", data: null });
  const dead = await until(() => e.outbox.byEvent(eventId).find((d) => d.status === "dead"));
  assert.equal(dead.attempts, 1);
});

test("queue messages of one trigger go together up to batchSize; a dead batch goes on to its deadLetterQueue", async (t) => {
  store.db.prepare("DELETE FROM event_deliveries").run();
  calls.length = 0;
  answer = (input) =>
    input.eventType === "queue" && (input.event as { source: string }).source === "/queues/jobs"
      ? { status: 504, body: { error: { code: "FN_002", message: "timed out" } } }
      : { status: 200, body: { result: null } };
  const e = engine();
  t.after(() => e.close());
  store.tx(() => {
    for (let i = 0; i < 4; i++)
      e.publish({ type: "queue", source: "/queues/jobs", data: { i }, metadata: { queue: "jobs" } });
  });
  e.start();
  await until(() => (e.outbox.counts().succeeded === 4 ? true : undefined));
  const batches = calls
    .filter((c) => (c.event as { source: string }).source === "/queues/jobs")
    .map((c) => (c.event as { data: { messages: { data: { i: number } }[] } }).data.messages.map((m) => m.data.i));
  assert.deepEqual(batches, [[0, 1, 2], [3]]);
  const forwarded = calls.filter((c) => (c.event as { source: string }).source === "/queues/jobs-dead");
  assert.equal(forwarded.length, 4, "each dead message reaches the dead-letter queue's consumer once");
  assert.equal(e.outbox.counts().dead, 4);
});

test("close() leaves what is running queued for the next start", async () => {
  store.db.prepare("DELETE FROM event_deliveries").run();
  answer = () => ({ status: 200, body: { result: null } });
  const slow = {
    invoke: (_fn: unknown, _input: InvokeInput, signal: AbortSignal) =>
      new Promise<Response>((_resolve, reject) => signal.addEventListener("abort", () => reject(new Error("aborted")))),
  } as unknown as Invoker;
  const e = new EventEngine({ store, invoker: slow, log: pino({ level: "silent" }), shutdownGraceMs: 50 });
  const { eventId } = e.publish({ type: "order.paid", source: "/events", data: null });
  e.start();
  await until(() => (e.outbox.byEvent(eventId)[0]?.status === "running" ? true : undefined));
  await e.close();
  const [d] = e.outbox.byEvent(eventId);
  assert.equal(d!.status, "queued");
  assert.equal(d!.attempts, 0);
});

test("chain depth: an invocation's writes are one deeper; past maxChainDepth the deliveries are dead at once", () => {
  const e = new EventEngine({
    store,
    invoker: runner,
    log: pino({ level: "silent" }),
    maxChainDepth: 2,
  });
  e.chains.remember("inv_deep", 2, Date.now());
  const shallow = e.forInvocation("inv_http").publish({ type: "order.paid", source: "/events", data: 1 });
  assert.deepEqual(
    e.outbox.byEvent(shallow.eventId).map((d) => [d.status, d.chainDepth]),
    [["queued", 1]],
  );
  const deep = e.forInvocation("inv_deep").publish({ type: "order.paid", source: "/events", data: 2 });
  assert.equal(deep.deliveries, 0);
  const [dead] = e.outbox.byEvent(deep.eventId);
  assert.deepEqual([dead!.status, dead!.attempts, dead!.chainDepth], ["dead", 0, 3]);
  assert.match(dead!.errors[0]!.message, /^recursive invocation loop detected \(depth 2\)/);
  assert.equal(dead!.errors[0]!.invocationId, "inv_deep");
  const warned = store.telemetry.queryLogs({ functionId: "fn_a", limit: 10, q: "recursive invocation loop" });
  assert.equal(warned.at(0)?.level, "warn");
});
