/**
 * One warm instance serves a function for as long as it is busy: nothing may be kept per
 * invocation once it is over. Run in a 16 MB isolate, where ~0.6 KB kept per invocation
 * (what the dispatcher's per-invocation state once leaked) fills the heap within the run
 * and the invocations start failing with FN_003.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { collectingPool, request, source } from "./test-support.ts";

const { pool } = collectingPool();
after(() => pool.close());

const small = { memoryMb: 16, timeoutMs: 10_000 };

/** `total` calls of `call`, `concurrency` at a time; resolves with how many failed and their codes. */
async function run(total: number, concurrency: number, call: () => Promise<unknown>) {
  const codes = new Map<string, number>();
  let next = 0;
  const worker = async () => {
    while (next < total) {
      next++;
      try {
        await call();
      } catch (error) {
        const code = (error as { code?: string }).code ?? String(error);
        codes.set(code, (codes.get(code) ?? 0) + 1);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return Object.fromEntries(codes);
}

describe("an instance that serves many invocations", () => {
  it("keeps nothing per HTTP invocation: 60,000 requests in a 16 MB isolate all succeed", async () => {
    const fn = source(`export default { fetch(req) { return new Response("hello " + req.method); } };`, {
      exportName: "default",
    });
    const failures = await run(60_000, 50, () => pool.invokeHttp(fn, small, request()));
    assert.deepEqual(failures, {});
    assert.equal(pool.stats().instances, 1);
  });

  it("keeps nothing per event invocation: 40,000 events in a 16 MB isolate all succeed", async () => {
    const fn = source(`export async function onEvent(event) { return { seen: event.data.n }; }`, {
      exportName: "onEvent",
    });
    let n = 0;
    const failures = await run(40_000, 50, () =>
      pool.invokeEvent(fn, small, {
        invocationId: `evt-${n}`,
        event: { id: `e${n}`, type: "custom", data: { n: n++ } },
        env: {},
      }),
    );
    assert.deepEqual(failures, {});
  });
});
