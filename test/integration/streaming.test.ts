/**
 * Streamed bodies through the real edge process: a Server-Sent Events response whose
 * first event reaches the client before the handler finishes, 10 MB bodies both ways,
 * 413 past 10 MB in, the connection cut past 10 MB out, and many requests in flight on
 * one function at once.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import { startPlatform, type TestPlatform } from "../helpers/platform.ts";
import { deployFiles, errorOf } from "../helpers/functions.ts";

const MB = 1024 * 1024;
let p: TestPlatform;
before(async () => {
  p = await startPlatform();
  await deployFiles(
    p,
    { name: "sse", triggers: [{ type: "http", path: "/sse" }] },
    {
      "index.ts": `export async function handler() {
        const encoder = new TextEncoder();
        const stream = new ReadableStream({
          async start(controller) {
            controller.enqueue(encoder.encode("data: first\\n\\n"));
            await new Promise((resolve) => setTimeout(resolve, 500));
            controller.enqueue(encoder.encode("data: second\\n\\n"));
            controller.close();
          },
        });
        return new Response(stream, { headers: { "content-type": "text/event-stream" } });
      }`,
    },
  );
  await deployFiles(
    p,
    { name: "bytes", triggers: [{ type: "http", path: "/bytes", methods: ["GET", "POST"] }] },
    {
      "index.ts": `export async function handler(req: Request) {
        const url = new URL(req.url);
        if (req.method === "POST") {
          let total = 0, sum = 0;
          const reader = req.body!.getReader();
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            total += value.byteLength;
            sum = (sum + value[0] + value[value.byteLength - 1]) % 65536;
          }
          return Response.json({ total, sum });
        }
        const mb = Number(url.searchParams.get("mb"));
        let sent = 0;
        return new Response(new ReadableStream({
          pull(controller) {
            if (sent++ === mb) controller.close();
            else controller.enqueue(new Uint8Array(${MB}).fill(7));
          },
        }));
      }`,
    },
  );
  await deployFiles(
    p,
    { name: "waits", triggers: [{ type: "http", path: "/waits" }] },
    {
      "index.ts": `export async function handler() {
        await new Promise((resolve) => setTimeout(resolve, 100));
        return new Response("ok");
      }`,
    },
  );
});
after(async () => {
  await p?.stop();
});

test("SSE: the first event reaches the client before the handler finishes", async () => {
  const started = performance.now();
  const res = await p.edge("/sse");
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "text/event-stream");
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const first = await reader.read();
  const firstAt = performance.now() - started;
  assert.equal(decoder.decode(first.value), "data: first\n\n");
  let rest = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    rest += decoder.decode(value, { stream: true });
  }
  const endAt = performance.now() - started;
  assert.equal(rest, "data: second\n\n");
  assert.ok(endAt - firstAt >= 400, `first event at ${firstAt} ms, end at ${endAt} ms`);
});

test("a 10 MB request body streams into the handler; one over 10 MB is 413 FN_006", async () => {
  const body = new Uint8Array(10 * MB).fill(3);
  const res = await p.edge("/bytes", { method: "POST", body });
  assert.equal(res.status, 200);
  const { total } = (await res.json()) as { total: number };
  assert.equal(total, 10 * MB);

  const over = await p.edge("/bytes", { method: "POST", body: new Uint8Array(10 * MB + 1) });
  assert.equal(over.status, 413);
  assert.equal((await errorOf(over)).code, "FN_006");
});

test("a chunked request body over 10 MB is cut with 413 FN_006", async () => {
  const chunks = async function* () {
    for (let i = 0; i < 11; i++) yield new Uint8Array(MB);
  };
  const res = await p.edge("/bytes", {
    method: "POST",
    body: ReadableStream.from(chunks()),
    duplex: "half",
  } as RequestInit);
  assert.equal(res.status, 413);
  assert.equal((await errorOf(res)).code, "FN_006");
});

test("a 10 MB streamed response arrives whole; past 10 MB the connection is cut", async () => {
  const res = await p.edge("/bytes?mb=10");
  assert.equal(res.status, 200);
  assert.equal((await res.arrayBuffer()).byteLength, 10 * MB);

  const cut = await new Promise<{ received: number; error: boolean }>((resolve) => {
    const req = httpRequest(`${p.edgeUrl}/bytes?mb=11`, (response) => {
      let received = 0;
      response.on("data", (chunk: Buffer) => (received += chunk.length));
      response.on("end", () => resolve({ received, error: false }));
      response.on("error", () => resolve({ received, error: true }));
      response.on("aborted", () => resolve({ received, error: true }));
    });
    req.on("error", () => resolve({ received: -1, error: true }));
    req.end();
  });
  assert.equal(cut.error, true, "the client saw the connection cut, not a clean end");
  assert.ok(cut.received <= 10 * MB, `${cut.received} bytes`);
});

test("1,000 requests in flight on one function at once all succeed", async () => {
  const all = await Promise.all(Array.from({ length: 1000 }, () => p.edge("/waits").then((res) => res.text())));
  assert.deepEqual(new Set(all), new Set(["ok"]));
});
