/**
 * Issue 7, delivery that loses nothing: retries with growing waits, the dead-letter queue
 * and its retry (API and CLI), idempotency keys, through the real processes and HTTP.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startPlatform, type TestPlatform } from "../helpers/platform.ts";
import { deployFiles, errorOf, eventually } from "../helpers/functions.ts";

let p: TestPlatform;

interface Delivery {
  id: string;
  status: string;
  attempts: number;
  function: string;
  trigger: { index: number | null; type: string };
  event: { id: string; type: string };
  errors: { attempt: number; code: string; message: string; time: string }[];
  result?: unknown;
}

before(async () => {
  p = await startPlatform({ BUNBASE_RETRY_BASE_MS: "200" });
  await deployFiles(
    p,
    { name: "flaky", triggers: [{ type: "event", event: "test.flaky" }] },
    {
      "index.ts": `export async function handler(event: { id: string; metadata: { attempt: number } }) {
        console.log("attempt", event.metadata.attempt, event.id);
        if (event.metadata.attempt < 3) throw new Error("not yet: attempt " + event.metadata.attempt);
        return { doneOnAttempt: event.metadata.attempt };
      }`,
    },
  );
  await deployFiles(
    p,
    { name: "doomed", triggers: [{ type: "event", event: "test.doomed", maxRetries: 2 }] },
    { "index.ts": `export async function handler() { throw new Error("always fails"); }` },
  );
  await deployFiles(
    p,
    { name: "counter", triggers: [{ type: "event", event: "test.once" }] },
    {
      "index.ts": `export async function handler(event: { data: { n: number } }) {
        console.log("counted", event.data.n);
        return null;
      }`,
    },
  );
});
after(async () => {
  await p?.stop();
});

async function publish(body: unknown): Promise<{ id: string; deliveries: number; duplicate: boolean }> {
  const res = await p.api("/events", { method: "POST", json: body });
  assert.equal(res.status, 202, await res.clone().text());
  return (await res.json()) as { id: string; deliveries: number; duplicate: boolean };
}

async function deliveriesOf(eventId: string): Promise<Delivery[]> {
  const res = await p.api(`/events/${eventId}`);
  assert.equal(res.status, 200);
  return ((await res.json()) as { deliveries: Delivery[] }).deliveries;
}

const settled = (eventId: string, status: string, attempts?: number) =>
  eventually(async () => {
    const [d] = await deliveriesOf(eventId);
    return d?.status === status && (attempts === undefined || d.attempts === attempts) ? d : undefined;
  }, 20_000);

test("a handler that fails twice then succeeds is called exactly 3 times, each wait longer than the last", async () => {
  const { id, deliveries } = await publish({ type: "test.flaky", data: { x: 1 } });
  assert.equal(deliveries, 1);
  const done = await settled(id, "succeeded");
  assert.equal(done.attempts, 3);
  assert.deepEqual(done.result, { doneOnAttempt: 3 });
  assert.deepEqual(
    done.errors.map((e) => [e.attempt, e.code]),
    [
      [1, "FN_004"],
      [2, "FN_004"],
    ],
  );
  assert.match(done.errors[0]!.message, /not yet: attempt 1/);

  const logs = await eventually(async () => {
    const body = (await (await p.api(`/functions/flaky/logs?q=${id}&limit=100`)).json()) as {
      logs: { time: string; message: string }[];
    };
    return body.logs.length >= 3 ? body.logs : undefined;
  });
  assert.equal(logs.length, 3, JSON.stringify(logs));
  const times = logs.map((l) => Date.parse(l.time)).sort((a, b) => a - b);
  const [wait1, wait2] = [times[1]! - times[0]!, times[2]! - times[1]!];
  // Base 200 ms: the first wait is 100-200 ms, the second 200-400 ms (plus the call itself).
  assert.ok(wait1 >= 90, `first wait ${wait1} ms`);
  assert.ok(wait2 + 20 >= wait1, `waits ${wait1} then ${wait2} ms`);
});

test("a handler that always fails ends in the dead letters after maxRetries, every error kept; a retry runs it once more", async () => {
  const { id } = await publish({ type: "test.doomed", data: { y: 2 } });
  const dead = await settled(id, "dead", 3);
  assert.deepEqual(
    dead.errors.map((e) => e.attempt),
    [1, 2, 3],
  );
  for (const e of dead.errors) {
    assert.equal(e.code, "FN_004");
    assert.match(e.message, /always fails/);
    assert.ok(Date.parse(e.time) > 0);
  }

  const list = (await (await p.api("/dlq?function=doomed")).json()) as { items: Delivery[]; nextCursor: null };
  const item = list.items.find((d) => d.event.id === id);
  assert.ok(item, JSON.stringify(list));
  assert.equal(item.function, "doomed");
  assert.deepEqual(item.trigger, { index: 0, type: "event" });
  assert.equal(item.errors.length, 3);

  const cliList = await p.cli(["functions", "dlq", "list", "--function", "doomed", "--json"]);
  assert.equal(cliList.code, 0, cliList.stderr);
  assert.ok((JSON.parse(cliList.stdout) as { items: Delivery[] }).items.some((d) => d.id === item.id));
  const table = await p.cli(["functions", "dlq", "list", "--function", "doomed"]);
  assert.match(table.stdout, /always fails/);

  const retry = await p.cli(["functions", "dlq", "retry", item.id]);
  assert.equal(retry.code, 0, retry.stderr + retry.stdout);
  const again = await settled(id, "dead", 4);
  assert.equal(again.errors.length, 4);

  const notDead = await publish({ type: "test.flaky", data: null });
  const done = await settled(notDead.id, "succeeded");
  const refused = await p.api(`/dlq/${done.id}/retry`, { method: "POST" });
  assert.equal(refused.status, 409);
  assert.equal((await errorOf(refused)).code, "FN_006");
  const unknown = await p.api("/dlq/dlv_nope/retry", { method: "POST" });
  assert.equal(unknown.status, 404);
  assert.equal((await errorOf(unknown)).code, "FN_001");
});

test("a duplicate idempotency key is delivered once", async () => {
  const first = await publish({ type: "test.once", data: { n: 1 }, idempotencyKey: "order-42" });
  const second = await publish({ type: "test.once", data: { n: 2 }, idempotencyKey: "order-42" });
  assert.deepEqual(second, { id: first.id, deliveries: 0, duplicate: true });
  await settled(first.id, "succeeded");
  const other = await publish({ type: "test.once", data: { n: 3 }, idempotencyKey: "order-43" });
  await settled(other.id, "succeeded");
  const logs = await eventually(async () => {
    const body = (await (await p.api("/functions/counter/logs?q=counted")).json()) as { logs: { message: string }[] };
    return body.logs.length >= 2 ? body.logs : undefined;
  });
  assert.deepEqual(logs.map((l) => l.message).sort(), ["counted 1", "counted 3"]);
});

test("POST /events refuses what is not a custom event, naming the field", async () => {
  for (const [body, path] of [
    [{ type: "database.create", data: {} }, "type"],
    [{ type: "queue" }, "type"],
    [{ type: "9bad" }, "type"],
    [{ type: "ok.type", idempotencyKey: "" }, "idempotencyKey"],
    [{ type: "ok.type", extra: 1 }, ""],
  ] as const) {
    const res = await p.api("/events", { method: "POST", json: body });
    assert.equal(res.status, 400, JSON.stringify(body));
    const error = await errorOf(res);
    assert.equal(error.code, "FN_006");
    if (path) assert.equal(error.details?.path, path);
  }
  const nobody = await publish({ type: "test.nobody" });
  assert.equal(nobody.deliveries, 0);
  assert.equal((await p.api(`/events/${nobody.id}`)).status, 404);
});

test("a trigger's own handler: each trigger calls the export it names, in isolates and in containers", async () => {
  await deployFiles(
    p,
    {
      name: "two-handlers",
      triggers: [
        { type: "event", event: "test.left", handler: "onLeft" },
        { type: "event", event: "test.right", handler: "index.onRight" },
        { type: "event", event: "test.main" },
      ],
    },
    {
      "index.ts": `export async function handler(event: { type: string }) { console.log("main got", event.type); return null; }
export async function onLeft(event: { type: string }) { console.log("left got", event.type); return null; }
export async function onRight(event: { type: string }) { console.log("right got", event.type); return null; }`,
    },
  );
  await deployFiles(
    p,
    {
      name: "py-handlers",
      runtime: "python3.11",
      handler: "main.handler",
      triggers: [{ type: "event", event: "test.py", handler: "on_py" }],
    },
    {
      "main.py": `def handler(request):
    return "http"

def on_py(event, context):
    print("python got", event["type"])
    return None
`,
    },
  );
  for (const type of ["test.left", "test.right", "test.main", "test.py"]) await publish({ type, data: {} });
  const seen = async (fn: string, text: string) =>
    eventually(async () => {
      const res = await p.api(`/functions/${fn}/logs?q=${encodeURIComponent(text)}`);
      const body = (await res.json()) as { logs: unknown[] };
      return body.logs.length > 0 ? true : undefined;
    }, 30_000);
  await seen("two-handlers", "left got test.left");
  await seen("two-handlers", "right got test.right");
  await seen("two-handlers", "main got test.main");
  await seen("py-handlers", "python got test.py");
});
