import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { collectingPool, request, source, text } from "./test-support.ts";

const { pool } = collectingPool();
after(() => pool.close());

const limits = { memoryMb: 128, timeoutMs: 20_000 };

describe("FN_003: a function allocating past its memory limit", () => {
  it("is stopped, the host survives, and the pool keeps serving", async () => {
    const hog = source(`export function handler(req) {
      if (!req.url.endsWith("/hog")) return new Response("fine");
      const keep = [];
      for (let i = 0; ; i++) keep.push("x".repeat(1024) + i);
    }`);
    const failure = await pool
      .invokeHttp(hog, limits, request({ url: "https://x.test/hog" }))
      .catch((error: unknown) => error);
    assert.equal((failure as { code?: string }).code, "FN_003");
    assert.equal((failure as { status?: number }).status, 502);
    assert.equal(pool.stats().instances, 0, "the instance was dropped");

    const after = await pool.invokeHttp(hog, limits, request());
    assert.equal(text(after.result.body), "fine");
    assert.equal(after.meta.coldStart, true);
    assert.ok(after.meta.memoryMb > 0 && after.meta.memoryMb < 128);
  });

  it("fails every invocation in flight on the instance with FN_003, then serves from a fresh one", async () => {
    const fn = source(`export async function handler(req) {
      if (req.url.endsWith("/hog")) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        const keep = [];
        for (let i = 0; ; i++) keep.push("x".repeat(1024) + i);
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
      return new Response("fine");
    }`);
    await pool.invokeHttp(fn, limits, request({ url: "https://x.test/warm" })).catch(() => undefined);
    const bystander = pool.invokeHttp(fn, limits, request()).catch((error: unknown) => error);
    const hog = await pool
      .invokeHttp(fn, limits, request({ url: "https://x.test/hog" }))
      .catch((error: unknown) => error);
    assert.equal((hog as { code?: string }).code, "FN_003");
    assert.equal(((await bystander) as { code?: string }).code, "FN_003");
    const after = await pool.invokeHttp(fn, limits, request());
    assert.equal(text(after.result.body), "fine");
    assert.equal(after.meta.coldStart, true);
  });
});
