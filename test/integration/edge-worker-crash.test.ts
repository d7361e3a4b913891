/**
 * A worker process lost to one tenant costs only its own in-flight requests: its sibling
 * keeps answering, the supervisor forks a replacement, and the node serves on.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startPlatform, type TestPlatform } from "../helpers/platform.ts";
import { deployFiles, eventually } from "../helpers/functions.ts";

let p: TestPlatform;
before(async () => {
  p = await startPlatform({ BUNBASE_EDGE_WORKERS: "2" });
});
after(async () => {
  await p?.stop();
});

async function workerPids(): Promise<Set<number>> {
  const pids = new Set<number>();
  // The workers accept from the shared socket (SCHED_NONE): the kernel spreads fresh
  // connections, unevenly, so it may take more than a handful to see both.
  for (let i = 0; i < 100 && pids.size < 2; i++) {
    // Bounded: a connection Node's cluster handed to a worker as it was killed never answers.
    const res = await fetch(`${p.edgeUrl}/__bunbase/health`, {
      headers: { connection: "close" },
      signal: AbortSignal.timeout(5000),
    }).catch(() => null);
    if (res !== null) pids.add(((await res.json()) as { pid: number }).pid);
  }
  return pids;
}

test("killing one edge worker: the sibling keeps serving and a replacement is forked", async () => {
  await deployFiles(
    p,
    { name: "slow", triggers: [{ type: "http", path: "/slow" }] },
    {
      "index.ts": `export async function handler() {
      await new Promise((r) => setTimeout(r, 300));
      return new Response("done");
    }`,
    },
  );
  const before = await workerPids();
  assert.equal(before.size, 2, "expected two worker processes");
  const [victim] = before;

  const inflight = Array.from({ length: 20 }, () =>
    fetch(`${p.edgeUrl}/slow`, { headers: { connection: "close" }, signal: AbortSignal.timeout(10_000) }).then(
      async (res) => ({ ok: res.status === 200 && (await res.text()) === "done" }),
      () => ({ ok: false }),
    ),
  );
  await new Promise((r) => setTimeout(r, 100));
  process.kill(victim, "SIGKILL");
  const results = await Promise.all(inflight);
  const served = results.filter((r) => r.ok).length;
  assert.ok(served >= 1, "the surviving worker served none of the in-flight requests");

  // Every new request succeeds, and a new worker joins.
  for (let i = 0; i < 10; i++) {
    const res = await fetch(`${p.edgeUrl}/slow`, {
      headers: { connection: "close" },
      signal: AbortSignal.timeout(10_000),
    });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), "done");
  }
  const after = await eventually(async () => {
    const pids = await workerPids();
    return pids.size === 2 && !pids.has(victim) ? pids : undefined;
  });
  assert.ok(!after.has(victim));
  assert.ok(p.lines.some((line) => line.includes("edge worker exited; replacing it")));
});
