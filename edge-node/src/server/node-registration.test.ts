import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createLogger, type NodeReport } from "../../../core/index.ts";
import { NodeRegistration } from "./node-registration.ts";

/** A stand-in origin that records every report it gets. */
async function fakeOrigin() {
  const reports: { path: string; auth?: string; body: NodeReport }[] = [];
  const waiters: (() => void)[] = [];
  const server = createServer((req, res) => {
    let text = "";
    req.on("data", (d: Buffer) => (text += d));
    req.on("end", () => {
      reports.push({ path: req.url ?? "", auth: req.headers.authorization, body: JSON.parse(text) as NodeReport });
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ revision: 9 }));
      for (const w of waiters.splice(0)) w();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const next = (count: number) =>
    new Promise<void>((resolve) => {
      const check = () => (reports.length >= count ? resolve() : waiters.push(check));
      check();
    });
  return { url, reports, next, close: () => new Promise<void>((r) => server.close(() => r())) };
}

test("a node reports once for all its workers, with the lowest revision, at once when it changes", async () => {
  const origin = await fakeOrigin();
  const reg = new NodeRegistration({
    apiUrl: origin.url,
    apiKey: "bb_node_x",
    name: "edge-1",
    region: "eu-west",
    log: createLogger("test"),
    startedAt: new Date("2026-01-01T00:00:00Z"),
    everyMs: 60_000,
  });
  try {
    reg.fromWorker(1, { type: "revision", revision: 5 }); // not listening yet: ignored
    assert.equal(origin.reports.length, 0);
    reg.fromWorker(1, { type: "listening", url: "http://127.0.0.1:9999", revision: 5 });
    await origin.next(1);
    assert.deepEqual(origin.reports[0], {
      path: "/internal/nodes/edge-1",
      auth: "Bearer bb_node_x",
      body: {
        region: "eu-west",
        url: "http://127.0.0.1:9999",
        revision: 5,
        startedAt: "2026-01-01T00:00:00.000Z",
        workers: 1,
      },
    });

    reg.fromWorker(2, { type: "listening", url: "http://127.0.0.1:9999", revision: 4 });
    await origin.next(2);
    assert.deepEqual([origin.reports[1].body.revision, origin.reports[1].body.workers], [4, 2]);

    reg.fromWorker(1, { type: "revision", revision: 6 }); // worker 2 still on 4: nothing new to say
    reg.fromWorker(2, { type: "revision", revision: 6 });
    await origin.next(3);
    assert.equal(origin.reports[2].body.revision, 6);
    assert.equal(origin.reports.length, 3);
  } finally {
    reg.close();
    await origin.close();
  }
});
