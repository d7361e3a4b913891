import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { VersionGroup, type GroupLimits, type Instance } from "./version-group.ts";

interface Fake extends Instance {
  n: number;
}

const LIMITS: GroupLimits = {
  targetConcurrency: 1,
  minInstances: 0,
  maxInstances: 2,
  maxConcurrency: 3,
  queueTimeoutMs: 200,
  idleMs: 50,
};

/** A group whose instances start when `release()` of the returned gate is called (or at once). */
function group(limits: Partial<GroupLimits> = {}, options: { failStart?: boolean } = {}) {
  let made = 0;
  const stopped: number[] = [];
  const pending: (() => void)[] = [];
  const g = new VersionGroup<Fake>(
    { ...LIMITS, ...limits },
    () =>
      new Promise<Fake>((resolve, reject) => {
        const n = ++made;
        pending.push(() =>
          options.failStart
            ? reject(new Error("boom"))
            : resolve({ n, inFlight: 0, served: 0, idleSince: 0, pressured: false, retired: false }),
        );
      }),
    (i) => stopped.push(i.n),
    () => undefined,
  );
  const startAll = async () => {
    for (const go of pending.splice(0)) go();
    await new Promise((r) => setImmediate(r));
  };
  return { g, stopped, startAll, made: () => made };
}

describe("VersionGroup", () => {
  it("starts an instance for the first request and marks it a cold start", async () => {
    const { g, startAll } = group();
    const lease = g.acquire();
    await startAll();
    const got = await lease;
    assert.equal(got.coldStart, true);
    assert.equal(got.instance.inFlight, 1);
    g.release(got.instance);
    const again = await g.acquire();
    assert.equal(again.coldStart, false);
    assert.equal(again.instance, got.instance);
  });

  it("scales up to maxInstances, then queues, then refuses beyond maxConcurrency with FN_007", async () => {
    const { g, startAll, made } = group();
    const a = g.acquire();
    const b = g.acquire();
    const c = g.acquire();
    assert.equal(made(), 2, "two waiting requests, two instances (maxInstances)");
    await assert.rejects(g.acquire(), (err: { code?: string; headers?: Record<string, string> }) => {
      assert.equal(err.code, "FN_007");
      assert.equal(err.headers?.["retry-after"], "1");
      return true;
    });
    await startAll();
    const [la, lb] = await Promise.all([a, b]);
    assert.notEqual(la.instance, lb.instance);
    g.release(la.instance);
    const lc = await c;
    assert.equal(lc.instance, la.instance, "the queued request takes the freed instance");
    assert.ok(lc.queueMs >= 0);
  });

  it("a queued request gives up after queueTimeoutMs with FN_007", async () => {
    const { g, startAll } = group({ maxInstances: 1, queueTimeoutMs: 30 });
    const first = g.acquire();
    await startAll();
    await first;
    await assert.rejects(g.acquire(), (err: { code?: string }) => err.code === "FN_007");
  });

  it("fails waiting requests with the start error when no instance can start", async () => {
    const { g, startAll } = group({}, { failStart: true });
    const failed = assert.rejects(g.acquire(), (err: { code?: string }) => err.code === "FN_008");
    await startAll();
    await failed;
  });

  it("keeps minInstances and reaps idle instances above it", async () => {
    const { g, startAll, stopped } = group({ minInstances: 1, idleMs: 10 });
    g.ensure(1);
    const extra = [g.acquire(), g.acquire()];
    await startAll();
    await startAll();
    for (const lease of await Promise.all(extra)) g.release(lease.instance);
    assert.equal(g.instances.length, 2);
    g.reap(performance.now() + 100);
    assert.equal(g.instances.length, 1, "one above minInstances went");
    assert.equal(stopped.length, 1);
  });

  it("replaces a dead instance that kept minInstances", async () => {
    const { g, startAll, made } = group({ minInstances: 1 });
    g.ensure(1);
    await startAll();
    const [only] = g.instances;
    g.remove(only);
    assert.equal(made(), 2, "a replacement started");
    await startAll();
    assert.equal(g.instances.length, 1);
    assert.notEqual(g.instances[0], only);
  });

  it("sends requests past an instance under pressure to a new one", async () => {
    const { g, startAll, made } = group({ targetConcurrency: 10 });
    const first = g.acquire();
    await startAll();
    const lease = await first;
    lease.instance.pressured = true;
    const second = await g.acquire();
    assert.equal(second.instance, lease.instance, "served meanwhile by the only instance");
    assert.equal(made(), 2, "and another one starts");
    await startAll();
    const third = await g.acquire();
    assert.notEqual(third.instance, lease.instance);
  });

  it("close() stops a busy instance only after its last request", async () => {
    const { g, startAll, stopped } = group({ maxInstances: 1 });
    const first = g.acquire();
    await startAll();
    const lease = await first;
    g.close();
    assert.deepEqual(stopped, [], "still serving");
    g.release(lease.instance);
    assert.deepEqual(stopped, [1]);
  });

  it("close() fails waiting requests and stops every instance", async () => {
    const { g, startAll, stopped } = group({ maxInstances: 1 });
    const first = g.acquire();
    await startAll();
    await first;
    const waiting = g.acquire();
    g.close();
    await assert.rejects(waiting, (err: { code?: string }) => err.code === "FN_008");
    assert.deepEqual(stopped, [], "the busy one drains first");
  });
});
