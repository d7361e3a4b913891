import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { collectingPool, limits, request, source, text } from "./test-support.ts";

const slow = (ms: number) =>
  source(`export async function handler(req) {
  await new Promise((resolve) => setTimeout(resolve, ${ms}));
  return new Response("done");
}`);

describe("IsolatePool", () => {
  it("reports a cold start, then warm ones, with timings", async () => {
    const { pool } = collectingPool();
    const fn = source(`export const handler = () => new Response("hi");`);
    const cold = await pool.invokeHttp(fn, limits, request());
    const warm = await pool.invokeHttp(fn, limits, request());
    assert.equal(cold.meta.coldStart, true);
    assert.ok(cold.meta.timing.isolateMs > 0 && cold.meta.timing.compileMs > 0);
    assert.equal(warm.meta.coldStart, false);
    assert.deepEqual([warm.meta.timing.isolateMs, warm.meta.timing.compileMs], [0, 0]);
    assert.ok(warm.meta.cpuMs >= 0 && warm.meta.memoryMb > 0);
    assert.equal(pool.stats().instances, 1);
    assert.equal(pool.stats().busy, 0);
    await pool.close();
  });

  it("runs invocations concurrently on one instance up to maxConcurrency, then queues FIFO, then FN_007", async () => {
    const { pool } = collectingPool({ maxQueue: 2 });
    const fn = slow(150);
    const two = { ...limits, maxConcurrency: 2 };
    const running = [1, 2, 3, 4].map(() => pool.invokeHttp(fn, two, request()));
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(pool.stats().busy, 2);
    assert.equal(pool.stats().queued, 2);
    await assert.rejects(
      pool.invokeHttp(fn, two, request()),
      (error: { code: string; status: number; headers?: Record<string, string>; meta: unknown }) => {
        assert.equal(error.code, "FN_007");
        assert.equal(error.status, 429);
        assert.deepEqual(error.headers, { "retry-after": "1" });
        assert.ok(error.meta);
        return true;
      },
    );
    const results = await Promise.all(running);
    assert.deepEqual(
      results.map((r) => r.meta.coldStart),
      [true, true, false, false],
    );
    assert.ok(results[3].meta.timing.queueMs >= 100);
    assert.equal(pool.stats().instances, 1, "one instance served them all");
    await pool.close();
  });

  it("answers FN_007 when a queued request waits longer than maxQueueWaitMs", async () => {
    const { pool } = collectingPool({ maxQueueWaitMs: 50 });
    const fn = slow(300);
    const one = { ...limits, maxConcurrency: 1 };
    const running = pool.invokeHttp(fn, one, request());
    await assert.rejects(pool.invokeHttp(fn, one, request()), { code: "FN_007", status: 429 });
    assert.equal(text((await running).result.body), "done");
    await pool.close();
  });

  it("keeps versions apart and evicts the old ones", async () => {
    const { pool } = collectingPool();
    const v1 = source(`export const handler = () => new Response("v1");`, { functionId: "same", version: 1 });
    const v2 = source(`export const handler = () => new Response("v2");`, { functionId: "same", version: 2 });
    assert.equal(text((await pool.invokeHttp(v1, limits, request())).result.body), "v1");
    assert.equal(text((await pool.invokeHttp(v2, limits, request())).result.body), "v2");
    assert.equal(pool.stats().instances, 2);
    pool.evict("same", [2]);
    assert.equal(pool.stats().instances, 1);
    pool.evict("same");
    assert.equal(pool.stats().instances, 0);
    await pool.close();
  });

  it("evict keeps every version still in use warm (prod and staging apart) and drops the rest", async () => {
    const { pool } = collectingPool();
    const version = (n: number) =>
      source(`export const handler = () => new Response("v${n}");`, { functionId: "envs", version: n });
    const [prod, staging, old] = [version(3), version(2), version(1)];
    for (const fn of [old, staging, prod])
      assert.equal((await pool.invokeHttp(fn, limits, request())).meta.coldStart, true);
    pool.evict("envs", new Set([prod.version, staging.version]));
    assert.equal(pool.stats().instances, 2);
    const again = async (fn: typeof prod) => {
      const { result, meta } = await pool.invokeHttp(fn, limits, request());
      return [text(result.body), meta.coldStart];
    };
    assert.deepEqual(await again(prod), ["v3", false]);
    assert.deepEqual(await again(staging), ["v2", false]);
    assert.deepEqual(await again(old), ["v1", true], "the dropped version starts cold");
    await pool.close();
  });

  it("lets a busy evicted instance finish, then disposes it", async () => {
    const { pool } = collectingPool();
    const v1 = slow(100);
    const running = pool.invokeHttp(v1, limits, request());
    await new Promise((resolve) => setTimeout(resolve, 30));
    pool.evict(v1.functionId);
    assert.equal(text((await running).result.body), "done");
    assert.equal(pool.stats().instances, 0);
    await pool.close();
  });

  it("disposes idle instances after idleMs", async () => {
    const { pool } = collectingPool({ idleMs: 50 });
    await pool.invokeHttp(source(`export const handler = () => new Response("");`), limits, request());
    assert.equal(pool.stats().instances, 1);
    await new Promise((resolve) => setTimeout(resolve, 120));
    assert.equal(pool.stats().instances, 0);
    await pool.close();
  });

  it("on close, lets running invocations finish and refuses queued and new ones", async () => {
    const { pool } = collectingPool();
    const fn = slow(100);
    const one = { ...limits, maxConcurrency: 1 };
    const running = pool.invokeHttp(fn, one, request());
    const queued = pool.invokeHttp(fn, one, request());
    await new Promise((resolve) => setTimeout(resolve, 20));
    const closing = pool.close();
    await assert.rejects(queued, { status: 503 });
    assert.equal(text((await running).result.body), "done");
    await closing;
    await assert.rejects(pool.invokeHttp(fn, limits, request()), { status: 503 });
    assert.equal(pool.stats().instances, 0);
    assert.equal(pool.stats().busy, 0);
  });
});
