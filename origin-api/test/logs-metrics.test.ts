import { after, before, test } from "node:test";
import assert from "node:assert/strict";
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

test("metrics come from recorded invocations in the window", async () => {
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
  const m = await json<
    Record<string, unknown> & { duration: Record<string, number>; series: { t: string; invocations: number }[] }
  >(await o.api("/functions/observed/metrics?window=5m"), 200);
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
  assert.deepEqual(m.duration, { avg: 55, p50: 50, p95: 100, p99: 100 });
  assert.deepEqual(m.memoryMb, { avg: 14.5, max: 19 });
  assert.deepEqual(m.concurrency, { current: 0, max: 1 });
  assert.equal(
    m.series.reduce((a, s) => a + s.invocations, 0),
    10,
  );
  const day = await json<{ invocations: number }>(await o.api("/functions/observed/metrics?window=24h"), 200);
  assert.equal(day.invocations, 11);
  assert.equal((await errorOf(await o.api("/functions/observed/metrics?window=2w"), 400)).details?.path, "window");
});
