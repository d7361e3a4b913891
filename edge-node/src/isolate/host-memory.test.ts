/**
 * Request bodies never carry other host memory into the guest: isolated-vm copies a byte
 * view with its whole ArrayBuffer, and Node Buffers are often slices of a shared pool.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { collectingPool, limits, request, source, text } from "./test-support.ts";

const { pool } = collectingPool();
after(() => pool.close());

const SECRET = "host-secret-9f2c";

/** A Buffer that is a 5-byte view into a larger buffer holding SECRET around it. */
function sliceOfSecrets(): Buffer {
  const big = Buffer.from(`${SECRET.repeat(50)}hello${SECRET.repeat(50)}`);
  const offset = SECRET.length * 50;
  return big.subarray(offset, offset + 5);
}

const handler = source(`export async function handler(req) {
  const seen = [];
  const reader = req.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    seen.push(value.buffer.byteLength, new TextDecoder().decode(new Uint8Array(value.buffer)));
  }
  return new Response(JSON.stringify(seen));
}`);

describe("host memory at the boundary", () => {
  it("a whole request body arrives as exactly its bytes", async () => {
    const { result } = await pool.invokeHttp(handler, limits, request({ method: "POST", body: sliceOfSecrets() }));
    const seen = JSON.parse(text(result.body as Uint8Array)) as unknown[];
    assert.deepEqual(seen, [5, "hello"]);
  });

  it("a streamed request body arrives chunk by chunk as exactly their bytes", async () => {
    async function* chunks() {
      yield sliceOfSecrets();
      yield sliceOfSecrets();
    }
    const { result } = await pool.invokeHttp(handler, limits, request({ method: "POST", body: chunks() }));
    const seen = JSON.parse(text(result.body as Uint8Array)) as unknown[];
    assert.ok(!JSON.stringify(seen).includes(SECRET), `secret leaked: ${JSON.stringify(seen).slice(0, 200)}`);
    assert.equal(seen.filter((item) => typeof item === "string").join(""), "hellohello");
  });
});
