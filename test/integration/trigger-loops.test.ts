/**
 * Recursive loop detection on the real platform: a function whose database trigger watches
 * the collection it writes to runs 17 times (depths 0-16) after one REST write, and then
 * stops: the 18th event is in the dead-letter queue with the reason, and the function's
 * logs say why. A legitimate chain of three functions still runs to its end.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startPlatform, type TestPlatform } from "../helpers/platform.ts";
import { deployFiles, eventually } from "../helpers/functions.ts";

let p: TestPlatform;
before(async () => {
  p = await startPlatform();
});
after(async () => {
  await p?.stop();
});

interface DeadLetter {
  id: string;
  function: string;
  status: string;
  attempts: number;
  event: { type: string; data: { id: string } };
  errors: { code: string; message: string; invocationId?: string }[];
}

async function logsOf(name: string, q: string): Promise<{ level: string; message: string }[]> {
  const res = await p.api(`/functions/${name}/logs?q=${encodeURIComponent(q)}&limit=100`);
  return ((await res.json()) as { logs: { level: string; message: string }[] }).logs;
}

async function documents(collection: string): Promise<{ id: string; from?: string }[]> {
  const res = await p.api(`/db/${collection}?limit=1000`);
  return ((await res.json()) as { documents: { id: string; from?: string }[] }).documents;
}

test("a function that writes to the collection that triggers it is stopped after 16 links", async () => {
  await deployFiles(
    p,
    { name: "looper", triggers: [{ type: "database", collection: "loop", events: ["create"] }] },
    {
      "index.ts": `import { db } from "@bunbase/sdk";
export async function handler(event: any) {
  await db.collection("loop").create({ from: event.data.id });
  console.log("LOOP " + event.data.id);
  return {};
}
`,
    },
  );
  const first = await p.api("/db/loop", { method: "POST", json: { id: "seed" } });
  assert.equal(first.status, 201);

  const dead = await eventually(async () => {
    const res = await p.api("/dlq?function=looper");
    const { items } = (await res.json()) as { items: DeadLetter[] };
    return items.length > 0 ? items : undefined;
  }, 60_000);
  assert.equal(dead.length, 1);
  const [letter] = dead;
  assert.equal(letter!.status, "dead");
  assert.equal(letter!.attempts, 0);
  assert.equal(letter!.event.type, "database.create");
  assert.equal(letter!.errors.length, 1);
  assert.equal(letter!.errors[0]!.code, "FN_007");
  assert.match(letter!.errors[0]!.message, /^recursive invocation loop detected \(depth 16\)/);

  // Runs for depths 0-16: 17 invocations, each wrote one document (18 with the seed).
  await new Promise((r) => setTimeout(r, 1500)); // anything still running would show by now
  const docs = await documents("loop");
  assert.equal(docs.length, 18);
  assert.equal(docs.find((d) => d.id === letter!.event.data.id)?.from !== undefined, true);
  const runs = await eventually(async () => {
    const lines = (await logsOf("looper", "LOOP ")).filter((l) => l.message.startsWith("LOOP "));
    return lines.length >= 17 ? lines : undefined;
  }, 20_000);
  assert.equal(runs.length, 17);
  const warnings = await eventually(async () => {
    const lines = (await logsOf("looper", "recursive invocation loop")).filter((l) => l.level === "warn");
    return lines.length > 0 ? lines : undefined;
  });
  assert.match(warnings[0]!.message, /recursive invocation loop detected \(depth 16\)/);

  // A retry from the dead letters delivers that event once; the loop stays stopped.
  const retry = await p.api(`/dlq/${letter!.id}/retry`, { method: "POST" });
  assert.equal(retry.status, 202);
  await eventually(async () => ((await documents("loop")).length === 19 ? true : undefined), 20_000);
  // The retried delivery succeeded; the event its write published is the new dead letter.
  const [next] = await eventually(async () => {
    const { items } = (await (await p.api("/dlq?function=looper")).json()) as { items: DeadLetter[] };
    return items.length === 1 && items[0]!.id !== letter!.id ? items : undefined;
  }, 20_000);
  assert.match(next!.errors[0]!.message, /^recursive invocation loop detected \(depth 16\)/);
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal((await documents("loop")).length, 19);
});

test("a legitimate chain of three functions runs to its end", async () => {
  const step = (name: string, from: string, to: string | null) =>
    deployFiles(
      p,
      { name, triggers: [{ type: "database", collection: from, events: ["create"] }] },
      {
        "index.ts": `import { db } from "@bunbase/sdk";
export async function handler(event: any) {
  ${to ? `await db.collection(${JSON.stringify(to)}).create({ id: event.data.id });` : ""}
  console.log("STEP ${name} " + event.data.id);
  return {};
}
`,
      },
    );
  await step("step-a", "orders", "invoices");
  await step("step-b", "invoices", "receipts");
  await step("step-c", "receipts", null);
  assert.equal((await p.api("/db/orders", { method: "POST", json: { id: "order-1" } })).status, 201);
  const [line] = await eventually(async () => {
    const lines = await logsOf("step-c", "STEP step-c");
    return lines.length > 0 ? lines : undefined;
  }, 30_000);
  assert.equal(line!.message, "STEP step-c order-1");
  assert.deepEqual(
    (await documents("receipts")).map((d) => d.id),
    ["order-1"],
  );
  const { items } = (await (await p.api("/dlq")).json()) as { items: DeadLetter[] };
  assert.equal(items.filter((d) => d.function.startsWith("step-")).length, 0);
});
