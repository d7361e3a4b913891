/**
 * Aggregation and batching of the telemetry shipper, against a plain HTTP receiver
 * standing in for the origin's `/internal/telemetry` (the real route is covered by the
 * origin's and the integration tests).
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
/** Answers 503 while set, as an origin that is away. */
let failing = false;

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (failing) {
        res.statusCode = 503;
        res.end("{}");
        return;
      }
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

const T0 = 1_700_000_000_000;
const invocation = (i: number, functionId = "f") => ({
  functionId,
  trigger: "http" as const,
  startedAt: T0 + i,
  durationMs: 1 + (i % 7),
  status: i % 10 === 0 ? 500 : 200,
  coldStart: false,
});

const sum = (batches: TelemetryBatch[], field: "invocations" | "errors") =>
  batches.reduce((n, b) => n + (b.stats ?? []).reduce((m, s) => m + s[field], 0), 0);

describe("telemetry shipper", () => {
  it("ships invocations as aggregates, exactly counted, with what is in flight", async () => {
    received.length = 0;
    const t = shipper();
    const running = t.beginInvocation("f");
    for (let i = 0; i < 12_000; i++) {
      const fn = i % 2 ? "f" : "g";
      t.recordInvocation(invocation(i, fn), t.beginInvocation(fn));
    }
    await t.flush();
    assert.equal(received.length, 1);
    assert.equal(received[0].stats!.length, 4, "2 functions x 2 buckets of 10 s");
    assert.deepEqual(received[0].invocations, []);
    assert.equal(sum(received, "invocations"), 12_000);
    assert.equal(sum(received, "errors"), 1_200);
    assert.deepEqual(received[0].inFlight, { f: 1 });
    assert.equal(received[0].sender, String(process.pid));
    const peaks = received[0].stats!.map((s) => [s.functionId, s.maxConcurrency]);
    assert.deepEqual(
      new Map(peaks as [string, number][]),
      new Map([
        ["f", 2],
        ["g", 1],
      ]),
    );

    await t.flush();
    assert.equal(received.length, 1, "what is in flight alone is reported once a second");
    t.recordInvocation(invocation(0), running);
    await t.flush();
    assert.deepEqual(received[1].inFlight, {}, "the end of the last invocation is reported");
    await t.flush();
    assert.equal(received.length, 2, "an idle node sends nothing");
    await t.close();
  });

  it("sends aggregates at most once a second, logs at every flush", async () => {
    received.length = 0;
    const t = shipper();
    t.recordInvocation(invocation(1), t.beginInvocation("f"));
    await t.flush();
    t.recordInvocation(invocation(2), t.beginInvocation("f"));
    t.recordLog({
      time: new Date().toISOString(),
      level: "info",
      message: "hi",
      invocationId: "i",
      functionId: "f",
      version: 1,
    });
    await t.flush();
    assert.equal(received.length, 2);
    assert.equal(sum(received, "invocations"), 1, "the second aggregate waits for its second");
    assert.equal(received[1].logs.length, 1);
    await new Promise((resolve) => setTimeout(resolve, 1_050));
    await t.flush();
    assert.equal(sum(received, "invocations"), 2);
    await t.close();
  });

  it("merges a batch the origin did not take back into what follows", async () => {
    received.length = 0;
    const t = shipper();
    failing = true;
    for (let i = 0; i < 100; i++) t.recordInvocation(invocation(i), t.beginInvocation("f"));
    await t.flush();
    failing = false;
    for (let i = 0; i < 50; i++) t.recordInvocation(invocation(i), t.beginInvocation("f"));
    await t.close();
    assert.equal(received.length, 1);
    assert.equal(received[0].stats!.length, 1);
    assert.equal(sum(received, "invocations"), 150);
  });

  it("keeps at most its bound of aggregates while the origin is away, dropping the oldest", async () => {
    received.length = 0;
    const t = shipper();
    failing = true;
    const buckets = 10_500;
    for (let b = 0; b < buckets; b++) t.recordInvocation(invocation(b * 10_000), t.beginInvocation("f"));
    await t.flush();
    failing = false;
    await t.flush(); // 20 batches a flush
    await t.flush();
    await t.close();
    const starts = received.flatMap((b) => b.stats!.map((s) => s.bucketStart));
    assert.equal(starts.length, 10_000);
    assert.equal(Math.min(...starts), T0 + 500 * 10_000, "the oldest went first");
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
