import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { ApiClient, ApiError, ApiUnreachableError } from "./api-client.ts";

test("an error envelope becomes an ApiError with code, message, status and details", async () => {
  const server = createServer((req, res) => {
    res.writeHead(400, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        error: { code: "FN_006", message: "memory: too small", requestId: "req_1", details: { path: "memory" } },
        auth: req.headers.authorization,
      }),
    );
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const err = await new ApiClient(url, "k1").get("/functions").catch((e: unknown) => e);
    assert.ok(err instanceof ApiError);
    assert.equal(err.code, "FN_006");
    assert.equal(err.status, 400);
    assert.equal(err.requestId, "req_1");
    assert.deepEqual(err.details, { path: "memory" });
  } finally {
    server.close();
  }
});

test("a refused connection says the API is not running", async () => {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await new Promise((r) => server.close(r));
  const err = await new ApiClient(url, undefined).get("/functions").catch((e: unknown) => e);
  assert.ok(err instanceof ApiUnreachableError);
  assert.equal(err.message, `cannot reach the API at ${url}: is it running? (npm start)`);
});
