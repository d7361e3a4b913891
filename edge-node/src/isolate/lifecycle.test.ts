import assert from "node:assert/strict";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { IsolatePool } from "./index.ts";
import { collectingPool, limits, request, source, text } from "./test-support.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const hello = (name: string) => source(`export const handler = () => new Response(${JSON.stringify(name)});`);

describe("instance lifecycle: cold starts, code cache, eviction", () => {
  it("compiles a version's second cold start with the code cache of its first, from disk too", async () => {
    const dir = await mkdtemp(join(tmpdir(), "bunbase-code-cache-"));
    try {
      const fn = source(`export function f(x) { return x + 1; }
        export const handler = () => new Response("cached");`);
      const first = new IsolatePool({ logSink: () => undefined, codeCacheDir: dir });
      const cold = await first.invokeHttp(fn, limits, request());
      assert.equal(cold.meta.codeCache, "produced");
      first.evict(fn.functionId);
      const again = await first.invokeHttp(fn, limits, request());
      assert.equal(again.meta.coldStart, true);
      assert.equal(again.meta.codeCache, "used", "V8 accepted our cache (cachedDataRejected false)");
      await first.close();
      // The disk write is in the background.
      const written = async () => (await readdir(dir)).filter((name) => name.endsWith(".v8cache")).length;
      for (let i = 0; i < 100 && (await written()) === 0; i++) await sleep(20);
      assert.equal(await written(), 1);
      const second = new IsolatePool({ logSink: () => undefined, codeCacheDir: dir });
      const fromDisk = await second.invokeHttp(fn, limits, request());
      assert.equal(fromDisk.meta.codeCache, "used");
      assert.equal(text(fromDisk.result.body), "cached");
      await second.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("keeps pre-warmed isolates per memory size and refills them in the background", async () => {
    const { pool } = collectingPool({ prewarmed: 2 });
    await pool.invokeHttp(hello("a"), limits, request());
    await sleep(300);
    assert.equal(pool.stats().prewarmed, 2);
    const cold = await pool.invokeHttp(hello("b"), limits, request());
    assert.equal(cold.meta.coldStart, true, "an instance was made, even from a pre-warmed isolate");
    await sleep(300);
    assert.equal(pool.stats().prewarmed, 2);
    await pool.close();
  });

  it("disposes idle instances after idleMs, but not prewarm()ed ones (scaling.minInstances)", async () => {
    const { pool } = collectingPool({ idleMs: 50 });
    const pinned = hello("pinned");
    await pool.prewarm(pinned, limits, 1);
    assert.equal(pool.stats().instances, 1);
    await pool.invokeHttp(hello("idle"), limits, request());
    assert.equal(pool.stats().instances, 2);
    await sleep(150);
    assert.equal(pool.stats().instances, 1);
    const warm = await pool.invokeHttp(pinned, limits, request());
    assert.equal(warm.meta.coldStart, false, "the pinned instance was warm for its first request");
    await sleep(150);
    assert.equal(pool.stats().instances, 1);
    await pool.prewarm(pinned, limits, 0);
    await sleep(150);
    assert.equal(pool.stats().instances, 0);
    await pool.close();
  });

  it("evicts the least recently used idle instances to stay within the memory budget", async () => {
    // Each instance holds ~1-2 MB of heap: a 6 MB budget keeps only a few.
    const { pool } = collectingPool({ memoryBudgetMb: 6 });
    const fns = ["a", "b", "c", "d", "e", "f"].map(hello);
    for (const fn of fns) await pool.invokeHttp(fn, limits, request());
    const { instances, heapMb } = pool.stats();
    assert.ok(instances < fns.length, `${instances} instances`);
    assert.ok(heapMb <= 6 + 3, `${heapMb} MB`);
    // The most recent one is still warm, the first one was evicted.
    assert.equal((await pool.invokeHttp(fns[5], limits, request())).meta.coldStart, false);
    assert.equal((await pool.invokeHttp(fns[0], limits, request())).meta.coldStart, true);
    await pool.close();
  });

  it("never evicts an instance with invocations in flight to make room", async () => {
    const { pool } = collectingPool({ memoryBudgetMb: 1 });
    const busy = source(`export async function handler() {
      await new Promise((resolve) => setTimeout(resolve, 200));
      return new Response("survived");
    }`);
    const running = pool.invokeHttp(busy, limits, request());
    await sleep(50);
    await pool.invokeHttp(hello("other"), limits, request());
    assert.equal(text((await running).result.body), "survived");
    await pool.close();
  });
});
