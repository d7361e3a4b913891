/**
 * `GET /metrics` on a clustered edge node answers for the whole node: every worker's
 * counters summed, whichever worker takes the scrape. A stopped worker does not hang the
 * scrape, and a killed one does not take its counts out of the node's totals.
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

const fresh = { headers: { connection: "close" } };

/** The value of one sample (`name{labels} value`) in Prometheus text, or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** A scrape over a fresh connection; undefined if it did not answer in time (a stopped worker took it). */
async function scrape(path = "/metrics", timeoutMs = 4000): Promise<{ text: string; ms: number } | undefined> {
  const started = Date.now();
  try {
    const res = await fetch(p.edgeUrl + path, { ...fresh, signal: AbortSignal.timeout(timeoutMs) });
    assert.equal(res.status, 200);
    return { text: await res.text(), ms: Date.now() - started };
  } catch (err) {
    if ((err as Error).name === "TimeoutError") return undefined;
    throw err;
  }
}

async function workerPids(): Promise<Set<number>> {
  const pids = new Set<number>();
  for (let i = 0; i < 20 && pids.size < 2; i++) {
    // A connection handed to a worker that was just killed fails or hangs: try another.
    const res = await fetch(`${p.edgeUrl}/__bunbase/health`, { ...fresh, signal: AbortSignal.timeout(3000) }).catch(
      () => undefined,
    );
    if (res) pids.add(((await res.json()) as { pid: number }).pid);
  }
  return pids;
}

const invocations = 'bunbase_edge_invocations_total{function="counted",trigger="http",code="ok"}';

test("the node's invocation count is the sum over its workers, whichever worker is scraped", async () => {
  await deployFiles(
    p,
    { name: "counted", triggers: [{ type: "http", path: "/counted" }] },
    // One id per isolate: each worker has its own instance, so two ids mean both served.
    { "index.ts": `const id = crypto.randomUUID(); export function handler() { return new Response(id); }` },
  );
  const sent = 30;
  const instances = new Set<string>();
  for (let i = 0; i < sent; i++) {
    const res = await fetch(`${p.edgeUrl}/counted`, fresh);
    assert.equal(res.status, 200);
    instances.add(await res.text());
  }
  assert.equal(instances.size, 2, "both workers served requests");

  for (let i = 0; i < 4; i++) {
    for (const path of ["/metrics", "/__bunbase/metrics"]) {
      const { text } = (await scrape(path))!;
      assert.equal(sample(text, invocations), sent, text);
      assert.equal(sample(text, 'bunbase_edge_cold_starts_total{function="counted"}'), 2);
      assert.equal(sample(text, 'bunbase_edge_invocation_duration_seconds_count{function="counted"}'), sent);
      assert.equal(sample(text, 'bunbase_edge_cluster_workers{report="answered"}'), 2);
      assert.equal(text.match(/^# TYPE bunbase_edge_process_cpu_seconds_total counter$/gm)?.length, 1);
      assert.ok((sample(text, "bunbase_edge_config_revision") ?? 0) >= 1);
    }
  }
});

test("a stopped worker does not hang the scrape: it counts with its previous report", async () => {
  const [stopped] = await workerPids();
  process.kill(stopped, "SIGSTOP");
  try {
    // Connections are handed out round robin; the ones given to the stopped worker wait.
    const answered = await eventually(() => scrape("/metrics", 5000));
    assert.ok(answered.ms < 4000, `the scrape took ${answered.ms} ms`);
    assert.equal(sample(answered.text, invocations), 30);
    assert.equal(sample(answered.text, 'bunbase_edge_cluster_workers{report="answered"}'), 1);
    assert.equal(sample(answered.text, 'bunbase_edge_cluster_workers{report="stale"}'), 1);
  } finally {
    process.kill(stopped, "SIGCONT");
  }
});

test("a killed worker's counts stay in the node's totals", async () => {
  const before = await workerPids();
  assert.equal(before.size, 2);
  const [victim] = before;
  process.kill(victim, "SIGKILL");
  await eventually(async () => {
    const pids = await workerPids();
    return pids.size === 2 && !pids.has(victim) ? true : undefined;
  });
  const { text } = await eventually(() => scrape());
  assert.equal(sample(text, invocations), 30);
  assert.equal(sample(text, 'bunbase_edge_cluster_workers{report="answered"}'), 2);
  await eventually(async () => {
    const res = await fetch(`${p.edgeUrl}/counted`, { ...fresh, signal: AbortSignal.timeout(3000) }).catch(
      () => undefined,
    );
    return res?.status === 200 ? res.text() : undefined;
  });
  assert.equal(sample((await eventually(() => scrape())).text, invocations), 31);
});
