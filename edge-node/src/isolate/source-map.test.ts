import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { InvocationFailure } from "./index.ts";
import { bundled, collectingPool, limits, request, text } from "./test-support.ts";

const { pool, logs } = collectingPool();
after(() => pool.close());

const files = {
  "index.ts": [
    'import { check } from "./check.ts";',
    "",
    "export async function handler(req: Request): Promise<Response> {",
    '  const name: string = new URL(req.url).searchParams.get("name") ?? "";',
    "  check(name);",
    '  return new Response("hello " + name);',
    "}",
  ].join("\n"),
  "check.ts": [
    "export function check(name: string): void {",
    '  if (name === "") {',
    '    throw new Error("boom");',
    "  }",
    "}",
  ].join("\n"),
};

describe("uncaught errors are mapped to the user's sources", () => {
  it("answers FN_004 `Uncaught Error: boom (check.ts:3:11)` and logs the mapped stack", async () => {
    const fn = await bundled(files);
    const ok = await pool.invokeHttp(fn, limits, request({ url: "https://x.test/?name=ann" }));
    assert.equal(text(ok.result.body), "hello ann");

    const failure = await pool.invokeHttp(fn, limits, request({ invocationId: "inv-boom" })).then(
      () => assert.fail("expected a failure"),
      (error: unknown) => error as InvocationFailure,
    );
    assert.equal(failure.code, "FN_004");
    assert.equal(failure.status, 502);
    assert.equal(failure.name, "BunbaseError");
    assert.equal(failure.message, "Uncaught Error: boom (check.ts:3:11)");
    assert.equal(failure.meta.coldStart, false);

    const log = logs.find((entry) => entry.invocationId === "inv-boom" && entry.level === "error");
    assert.ok(log, "an error log for the invocation");
    assert.equal(log.message, "boom");
    const stack = String(log.fields?.stack);
    assert.match(stack, /at check \(check\.ts:3:11\)/);
    assert.match(stack, /at handler \(index\.ts:5:3\)/);
    assert.doesNotMatch(stack, /bundle\.js|bunbase:runtime|isolated-vm/);
  });

  it("maps errors thrown while the module loads", async () => {
    const fn = await bundled({
      "index.ts":
        'const x: number = 1;\nif (x) throw new RangeError("at load");\nexport const handler = () => new Response("");',
    });
    await assert.rejects(pool.invokeHttp(fn, limits, request()), {
      code: "FN_004",
      message: "Uncaught RangeError: at load (index.ts:2:14)",
    });
  });

  it("keeps the raw frame when a bundle has no map", async () => {
    const fn = await bundled(files, { map: undefined });
    await assert.rejects(pool.invokeHttp(fn, limits, request()), {
      code: "FN_004",
      message: /^Uncaught Error: boom \(file:\/\/\/fn\d+\/bundle\.js:\d+:\d+\)$/,
    });
  });
});
