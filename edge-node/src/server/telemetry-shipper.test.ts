/**
 * Batching of the telemetry shipper, against a plain HTTP receiver standing in for the
 * origin's `/internal/telemetry` (the real route is covered by the integration tests).
 */
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { createLogger, type TelemetryBatch } from "../../../core/index.ts";
import { TelemetryShipper } from "./telemetry-shipper.ts";

let server: Server;
let url = "";
const received: TelemetryBatch[] = [];
const bodyBytes: number[] = [];

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      bodyBytes.push(body.length);
      received.push(JSON.parse(body.toString()) as TelemetryBatch);
      res.end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());

const shipper = () =>
  new TelemetryShipper({ apiUrl: url, apiKey: "k", node: "n", log: createLogger("test"), intervalMs: 60_000 });

const invocation = (i: number) => ({
  id: `inv-${i}`,
  functionId: "f",
  version: 1,
  environment: "prod" as const,
  trigger: "http" as const,
  startedAt: Date.now(),
  durationMs: 1,
  status: 200,
  coldStart: false,
});

describe("telemetry shipper", () => {
  it("drains a backlog larger than one batch in one flush, in order, losing nothing", async () => {
    received.length = 0;
    const t = shipper();
    for (let i = 0; i < 12_000; i++) t.recordInvocation(invocation(i));
    await t.flush();
    await t.close();
    assert.deepEqual(
      received.map((b) => b.invocations.length),
      [5000, 5000, 2000],
    );
    assert.deepEqual(
      received.flatMap((b) => b.invocations.map((r) => r.id)),
      Array.from({ length: 12_000 }, (_, i) => `inv-${i}`),
    );
  });

  it("keeps a batch of long log lines under the origin's body limit", async () => {
    received.length = 0;
    bodyBytes.length = 0;
    const t = shipper();
    const message = "é".repeat(60_000); // 2 bytes each in UTF-8
    for (let i = 0; i < 200; i++) {
      t.recordLog({
        time: new Date().toISOString(),
        level: "info",
        message,
        invocationId: "i",
        functionId: "f",
        version: 1,
      });
    }
    await t.close();
    assert.equal(
      received.reduce((n, b) => n + b.logs.length, 0),
      200,
    );
    assert.ok(received.length > 1, "split into several batches");
    for (const bytes of bodyBytes) assert.ok(bytes < 10 * 1024 * 1024, `batch of ${bytes} bytes`);
  });
});
