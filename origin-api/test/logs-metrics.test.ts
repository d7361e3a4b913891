import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import {
  emptyStats,
  HISTOGRAM_RELATIVE_ERROR,
  histogramIndex,
  InvocationAggregator,
  STATS_BUCKET_MS,
} from "../../core/index.ts";
import type { FunctionMetrics } from "../src/services/metrics-math.ts";
import { createAndDeploy, errorOf, json, readEvents, startOrigin, type Origin } from "./origin-process.ts";

let o: Origin;
let fnId: string;
before(async () => {
  o = await startOrigin();
  await createAndDeploy(o, { name: "observed" });
  fnId = (await json<{ id: string }>(await o.api("/functions/observed"), 200)).id;
});
after(async () => {
  await o?.stop();
});

interface Log {
  time: string;
  level: string;
  message: string;
  invocationId: string;
  version: number;
  fields?: Record<string, unknown>;
}

const log = (
  minutesAgo: number,
  level: string,
  message: string,
  invocationId: string,
  fields?: Record<string, unknown>,
) => ({
  time: new Date(Date.now() - minutesAgo * 60_000).toISOString(),
  level,
  message,
  invocationId,
  functionId: fnId,
  version: 1,
  ...(fields ? { fields } : {}),
});

const post = async (batch: Record<string, unknown>) =>
  json(
    await o.api("/internal/telemetry", {
      key: o.nodeKey,
      method: "POST",
      json: { node: "test", invocations: [], logs: [], ...batch },
    }),
    200,
  );

/** Within the duration histogram's relative error (and its 0.01 ms rounding). */
const near = (got: number, exact: number) =>
  assert.ok(Math.abs(got - exact) <= exact * HISTOGRAM_RELATIVE_ERROR + 0.01, `${got} vs exact ${exact}`);

const logs = async (query: string) =>
  json<{ logs: Log[]; nextCursor: string | null }>(await o.api(`/functions/observed/logs${query}`), 200);

test("log queries filter by time, level, text and invocation, newest first, with cursors", async () => {
  await post({
    logs: [
      log(180, "info", "old start", "inv_a"),
      log(30, "debug", "details", "inv_b"),
      log(20, "warn", "slow query", "inv_b", { table: "orders" }),
      log(10, "error", "boom", "inv_c", { stack: "at index.ts:3" }),
      log(1, "info", "done", "inv_c"),
    ],
  });
  const all = await logs("");
  assert.deepEqual(
    all.logs.map((l) => l.message),
    ["done", "boom", "slow query", "details", "old start"],
  );
  assert.equal(all.nextCursor, null);
  assert.deepEqual(Object.keys(all.logs[1]).sort(), ["fields", "invocationId", "level", "message", "time", "version"]);

  assert.deepEqual(
    (await logs("?since=1h")).logs.map((l) => l.message),
    ["done", "boom", "slow query", "details"],
  );
  assert.deepEqual(
    (await logs(`?since=${encodeURIComponent(new Date(Date.now() - 25 * 60_000).toISOString())}&until=15m`)).logs.map(
      (l) => l.message,
    ),
    ["slow query"],
  );
  assert.deepEqual(
    (await logs("?level=warn")).logs.map((l) => l.level),
    ["error", "warn"],
  );
  assert.deepEqual(
    (await logs("?q=ORDERS")).logs.map((l) => l.message),
    ["slow query"],
  );
  assert.deepEqual(
    (await logs("?invocationId=inv_c")).logs.map((l) => l.message),
    ["done", "boom"],
  );

  const page1 = await logs("?limit=2");
  assert.equal(page1.logs.length, 2);
  assert.ok(page1.nextCursor);
  const page2 = await logs(`?limit=2&cursor=${page1.nextCursor}`);
  const page3 = await logs(`?limit=2&cursor=${page2.nextCursor}`);
  assert.deepEqual(
    [...page1.logs, ...page2.logs, ...page3.logs].map((l) => l.message),
    all.logs.map((l) => l.message),
  );
  assert.equal(page3.nextCursor, null);

  for (const [query, path] of [
    ["?level=loud", "level"],
    ["?limit=5000", "limit"],
    ["?since=yesterday", "since"],
    ["?cursor=zzz", "cursor"],
  ]) {
    assert.equal((await errorOf(await o.api(`/functions/observed/logs${query}`), 400)).details?.path, path);
  }
});

test("follow=1 streams matching records as they arrive, one per data line", async () => {
  const controller = new AbortController();
  const res = await o.api("/functions/observed/logs?follow=1&level=warn&since=1m", { signal: controller.signal });
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /text\/event-stream/);
  const events = readEvents(res, (e) => e.length >= 2);
  await new Promise((r) => setTimeout(r, 200));
  await post({ logs: [log(0, "info", "ignored", "inv_f"), log(0, "error", "live one", "inv_f")] });
  await post({ logs: [log(0, "warn", "live two", "inv_f")] });
  const got = (await events).map((e) => (JSON.parse(e.data) as Log).message);
  controller.abort();
  assert.deepEqual(got, ["live one", "live two"]);

  const accept = await o.api("/functions/observed/logs", {
    headers: { accept: "text/event-stream" },
    signal: AbortSignal.timeout(2000),
  });
  assert.match(accept.headers.get("content-type") ?? "", /text\/event-stream/);
  await accept.body?.cancel();
});

test("individual invocation records are folded into the window's metrics", async () => {
  const now = Date.now();
  const inv = (i: number, extra: Record<string, unknown> = {}) => ({
    id: `inv_m${i}`,
    functionId: fnId,
    version: 1,
    environment: "prod",
    trigger: "http",
    startedAt: now - 60_000 + i * 1000,
    durationMs: (i + 1) * 10,
    status: 200,
    coldStart: i === 0,
    memoryMb: 10 + i,
    cpuMs: i,
    ...extra,
  });
  await post({
    invocations: [
      ...Array.from({ length: 8 }, (_, i) => inv(i)),
      inv(8, { status: 504, errorCode: "FN_002" }),
      inv(9, { status: 429, errorCode: "FN_007" }),
      { ...inv(10), startedAt: now - 3 * 3_600_000 },
    ],
  });
  const m = await json<FunctionMetrics>(await o.api("/functions/observed/metrics?window=5m"), 200);
  assert.deepEqual(Object.keys(m).sort(), [
    "coldStartRate",
    "coldStarts",
    "concurrency",
    "cpuMs",
    "duration",
    "errorRate",
    "errors",
    "invocations",
    "memoryMb",
    "series",
    "throttles",
    "timeouts",
    "window",
  ]);
  assert.equal(m.window, "5m");
  assert.equal(m.invocations, 10);
  assert.equal(m.errors, 2);
  assert.equal(m.errorRate, 0.2);
  assert.equal(m.coldStarts, 1);
  assert.equal(m.timeouts, 1);
  assert.equal(m.throttles, 1);
  assert.equal(m.duration.avg, 55);
  near(m.duration.p50, 50);
  near(m.duration.p95, 100);
  near(m.duration.p99, 100);
  assert.deepEqual(m.memoryMb, { avg: 14.5, max: 19 });
  assert.deepEqual(m.cpuMs, { avg: 4.5, max: 9 });
  assert.equal(
    m.series.reduce((a, s) => a + s.invocations, 0),
    10,
  );
  const day = await json<FunctionMetrics>(await o.api("/functions/observed/metrics?window=24h"), 200);
  assert.equal(day.invocations, 11);
  assert.equal((await errorOf(await o.api("/functions/observed/metrics?window=2w"), 400)).details?.path, "window");
  const prom = await (await o.api("/metrics")).text();
  assert.match(prom, /bunbase_invocations_reported_total\{trigger="http",code="FN_002"\} 1\n/);
  assert.match(prom, /bunbase_invocations_reported_total\{trigger="http",code="ok"\} 9\n/);
});

test("metrics of 200,000 invocations over 24 hours come from their aggregates, fast", async () => {
  await createAndDeploy(o, { name: "busy" });
  const busyId = (await json<{ id: string }>(await o.api("/functions/busy"), 200)).id;
  const now = Date.now();
  const aggregator = new InvocationAggregator();
  const durations: number[] = [];
  let errors = 0;
  for (let i = 0; i < 200_000; i++) {
    // Log-uniform from 0.1 ms to 1 s, spread over the last 23 hours.
    const durationMs = Math.round(0.1 * 10 ** (((i * 7919) % 10_000) / 2_500) * 100) / 100;
    const failed = i % 97 === 0;
    if (failed) errors++;
    durations.push(durationMs);
    aggregator.add({
      functionId: busyId,
      trigger: i % 3 === 0 ? "event" : "http",
      startedAt: now - 23 * 3_600_000 + Math.floor((i / 200_000) * 23 * 3_600_000),
      durationMs,
      status: failed ? 500 : 200,
      errorCode: failed ? "FN_004" : undefined,
      coldStart: i % 1000 === 0,
      cpuMs: 1,
    });
  }
  for (let batch = aggregator.take(1_000); batch.length > 0; batch = aggregator.take(1_000)) {
    await post({ stats: batch });
  }
  const started = performance.now();
  const m = await json<FunctionMetrics>(await o.api("/functions/busy/metrics?window=24h"), 200);
  const ms = performance.now() - started;
  assert.equal(m.invocations, 200_000);
  assert.equal(m.errors, errors);
  assert.equal(m.coldStarts, 200);
  assert.deepEqual(m.cpuMs, { avg: 1, max: 1 });
  durations.sort((a, b) => a - b);
  const exact = (p: number) => durations[Math.ceil((p / 100) * durations.length) - 1];
  near(m.duration.p50, exact(50));
  near(m.duration.p95, exact(95));
  near(m.duration.p99, exact(99));
  assert.equal(m.series.length, 25);
  assert.equal(
    m.series.reduce((a, s) => a + s.invocations, 0),
    200_000,
  );
  assert.ok(ms < 1_000, `the 24h window took ${ms.toFixed(0)} ms`);
});

test("concurrency: the peaks of a bucket add up over reporters; current counts fresh in-flight reports", async () => {
  await createAndDeploy(o, { name: "parallel" });
  const id = (await json<{ id: string }>(await o.api("/functions/parallel"), 200)).id;
  const bucket = Math.floor((Date.now() - 30_000) / STATS_BUCKET_MS) * STATS_BUCKET_MS;
  const stats = (maxConcurrency: number, at = bucket) => ({
    ...emptyStats(id, "http", at),
    invocations: 1,
    durationSumMs: 5,
    durationHist: { [histogramIndex(5)]: 1 },
    maxConcurrency,
  });
  await post({ node: "a", sender: "1", stats: [stats(3)], inFlight: { [id]: 2 } });
  await post({ node: "a", sender: "1", stats: [stats(2)], inFlight: { [id]: 2 } }); // a later piece of the bucket
  await post({ node: "a", sender: "2", stats: [stats(4)], inFlight: { [id]: 1 } });
  await post({ node: "b", stats: [stats(5, bucket - STATS_BUCKET_MS)], inFlight: {} });
  const m = await json<FunctionMetrics>(await o.api("/functions/parallel/metrics?window=5m"), 200);
  assert.equal(m.invocations, 4);
  assert.deepEqual(m.concurrency, { current: 3, max: 7 });
});

test("malformed aggregates are 400 FN_006 naming the field", async () => {
  const bucket = Math.floor(Date.now() / STATS_BUCKET_MS) * STATS_BUCKET_MS;
  const good = { ...emptyStats(fnId, "http", bucket), invocations: 1 };
  const cases: [Record<string, unknown>, string][] = [
    [{ stats: [{ ...good, durationHist: { 99999: 1 } }] }, "stats[0].durationHist.99999"],
    [{ stats: [{ ...good, durationHist: { x: 1 } }] }, "stats[0].durationHist.x"],
    [{ stats: [{ ...good, bucketStart: bucket + 1 }] }, "stats[0].bucketStart"],
    [
      { stats: [{ ...good, codes: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`E${i}`, 1])) }] },
      "stats[0].codes",
    ],
    [{ stats: [{ ...good, trigger: "cron" }] }, "stats[0].trigger"],
    [{ stats: Array.from({ length: 1_001 }, () => good) }, "stats"],
    [{ inFlight: { [fnId]: -1 } }, `inFlight.${fnId}`],
  ];
  for (const [batch, path] of cases) {
    const res = await o.api("/internal/telemetry", {
      key: o.nodeKey,
      method: "POST",
      json: { node: "test", invocations: [], logs: [], ...batch },
    });
    const error = await errorOf(res, 400);
    assert.equal(error.code, "FN_006");
    assert.equal(error.details?.path, path);
  }
});
