import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import type { EgressConfig } from "../../../core/index.ts";
import { collect, collectingPool, limits, request, source } from "./test-support.ts";

/** One upstream response the tests watch: what it wrote, whether it ended, when it closed. */
interface Upstream {
  written: number;
  finished: boolean;
  released: Promise<void>;
  release(): void;
  closed: Promise<void>;
  markClosed(): void;
}

let origin = "";
const upstreams = new Map<string, Upstream>();
const server = createServer((req, res) => void route(req, res));

function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

/** The upstream named `id`, made on its first mention by the test or by a request. */
function upstream(id: string): Upstream {
  let entry = upstreams.get(id);
  if (entry === undefined) {
    const released = signal();
    const closed = signal();
    entry = {
      written: 0,
      finished: false,
      released: released.promise,
      release: () => released.resolve(),
      closed: closed.promise,
      markClosed: () => closed.resolve(),
    };
    upstreams.set(id, entry);
  }
  return entry;
}

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", origin);
  const id = url.searchParams.get("id") ?? "";
  const entry = upstream(id);
  res.on("close", entry.markClosed);
  const write = (chunk: string | Buffer) => {
    entry.written += chunk.length;
    return res.write(chunk);
  };
  if (url.pathname === "/held") {
    // "first", then nothing until the test releases it, then "last".
    res.writeHead(200, { "content-type": "text/plain" });
    write("first");
    await entry.released;
    write("last");
    res.end();
    entry.finished = true;
  } else if (url.pathname === "/drip") {
    res.writeHead(200);
    for (let i = 0; i < 3; i++) {
      write(`${i};`);
      await tick(50);
    }
    res.end();
    entry.finished = true;
  } else if (url.pathname === "/endless") {
    // As fast as the connection takes it, forever: only backpressure stops it.
    res.writeHead(200, { "content-type": "application/octet-stream" });
    const block = Buffer.alloc(64 * 1024, 120);
    while (!res.destroyed) {
      if (!write(block)) await new Promise((resolve) => res.once("drain", resolve).once("close", resolve));
    }
  } else if (url.pathname === "/gzip") {
    res.writeHead(200, { "content-encoding": "gzip", "content-type": "application/json" });
    res.end(gzipSync(JSON.stringify({ zipped: "yes" })));
  } else if (url.pathname === "/big") {
    res.end(Buffer.alloc(11 * 1024 * 1024, 97));
  } else if (url.pathname === "/status") {
    // What the guest may ask about another upstream while its invocation still runs.
    const watched = upstream(url.searchParams.get("of") ?? "");
    const wait = url.searchParams.has("wait") ? 2000 : 0;
    const closed = await Promise.race([watched.closed.then(() => true), tick(wait).then(() => false)]);
    res.end(JSON.stringify({ closed, written: watched.written }));
  }
}

const { pool } = collectingPool();
const privateNets: EgressConfig = { allowPrivateNetworks: true };

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  await pool.close();
  for (const entry of upstreams.values()) entry.release();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** Runs `body` as an event handler with `ORIGIN` in scope, loopback egress allowed. */
async function run(body: string, timeoutMs = limits.timeoutMs): Promise<unknown> {
  const fn = source(`export async function handler(event) {\nconst ORIGIN = ${JSON.stringify(origin)};\n${body}\n}`);
  const { result } = await pool.invokeEvent(
    fn,
    { ...limits, timeoutMs, egress: privateNets },
    { invocationId: "fetch-stream", event: {}, env: {} },
  );
  return result;
}

const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe("fetch: response bodies stream", () => {
  it("gives the guest the first chunk while the upstream is still writing", async () => {
    const result = await run(`const res = await fetch(ORIGIN + "/held?id=first");
      const reader = res.body.getReader();
      const { value } = await reader.read();
      return { first: new TextDecoder().decode(value), used: res.bodyUsed };`);
    assert.deepEqual(result, { first: "first", used: true });
    assert.equal(upstream("first").finished, false, "the upstream never wrote its end");
    // The invocation ended with the body half read: its upstream connection is closed.
    await upstream("first").closed;
  });

  it("reads a chunked body whole with text() and json()", async () => {
    const result = await run(`const text = await (await fetch(ORIGIN + "/drip?id=text")).text();
      const json = await (await fetch(ORIGIN + "/gzip")).json();
      return { text, json };`);
    assert.deepEqual(result, { text: "0;1;2;", json: { zipped: "yes" } });
  });

  it("closes the upstream connection when the reader cancels", async () => {
    const result = await run(`const res = await fetch(ORIGIN + "/endless?id=cancelled");
      const reader = res.body.getReader();
      await reader.read();
      await reader.cancel("enough");
      return (await fetch(ORIGIN + "/status?of=cancelled&wait")).json();`);
    assert.equal((result as { closed: boolean }).closed, true);
  });

  it("reads an endless upstream only as fast as the guest does", async () => {
    const result = (await run(`const reader = (await fetch(ORIGIN + "/endless?id=slow")).body.getReader();
      let read = 0;
      for (let i = 0; i < 3; i++) read += (await reader.read()).value.byteLength;
      await new Promise((resolve) => setTimeout(resolve, 500));
      const { written, closed } = await (await fetch(ORIGIN + "/status?of=slow")).json();
      return { read, written, closed };`)) as { read: number; written: number; closed: boolean };
    // Half a second of an unthrottled loopback is gigabytes; only socket and stream buffers fill.
    assert.ok(result.read > 0 && !result.closed);
    assert.ok(result.written < 32 * 1024 * 1024, `the upstream wrote ${result.written} bytes`);
    await upstream("slow").closed;
  });

  it("errors the body with the signal's reason when the fetch is aborted midway, and closes the upstream", async () => {
    const result = await run(`const controller = new AbortController();
      const res = await fetch(ORIGIN + "/held?id=aborted", { signal: controller.signal });
      const reader = res.body.getReader();
      await reader.read();
      const pending = reader.read();
      controller.abort(new RangeError("stop"));
      let error; try { await pending; } catch (e) { error = e.name + ": " + e.message; }
      const status = await (await fetch(ORIGIN + "/status?of=aborted&wait")).json();
      return { error, closed: status.closed };`);
    assert.deepEqual(result, { error: "RangeError: stop", closed: true });
  });

  it("streams a body past 10 MB chunk by chunk", async () => {
    const result = await run(`const reader = (await fetch(ORIGIN + "/big")).body.getReader();
      let total = 0, reads = 0;
      for (;;) { const { done, value } = await reader.read(); if (done) break; total += value.byteLength; reads++; }
      return { total, many: reads > 1 };`);
    assert.deepEqual(result, { total: 11 * 1024 * 1024, many: true });
  });

  it("passes a fetched response straight through as the function's response, as it arrives", async () => {
    const fn = source(`export function handler() { return fetch(${JSON.stringify(origin)} + "/held?id=through"); }`);
    const { result } = await pool.invokeHttp(fn, { ...limits, egress: privateNets }, request());
    assert.equal(result.status, 200);
    assert.ok(!(result.body instanceof Uint8Array), "a stream");
    const iterator = (result.body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
    const first = await iterator.next();
    assert.equal(decode(first.value as Uint8Array), "first");
    assert.equal(upstream("through").finished, false);
    upstream("through").release();
    const rest = await collect({ [Symbol.asyncIterator]: () => iterator });
    assert.equal(decode(rest), "last");
  });

  it("passes a gzip upstream through decoded, without its content-encoding", async () => {
    const fn = source(`export function handler() { return fetch(${JSON.stringify(origin)} + "/gzip"); }`);
    const { result } = await pool.invokeHttp(fn, { ...limits, egress: privateNets }, request());
    const headers = Object.fromEntries(result.headers);
    assert.equal(headers["content-encoding"], undefined);
    assert.equal(headers["content-type"], "application/json");
    assert.deepEqual(JSON.parse(decode(await collect(result.body))), { zipped: "yes" });
  });

  it("hands the guest only a chunk's own bytes, never the rest of a host buffer", async () => {
    // isolated-vm copies a view's whole ArrayBuffer; Node's chunks are slices of bigger ones.
    const result = await run(`const sizes = [];
      for (const path of ["/drip?id=own", "/gzip"]) {
        const reader = (await fetch(ORIGIN + path)).body.getReader();
        for (;;) { const { done, value } = await reader.read(); if (done) break; sizes.push(value.buffer.byteLength - value.byteLength); }
      }
      return sizes.every((extra) => extra === 0);`);
    assert.equal(result, true);
  });

  it("fails a read of a body whose invocation has ended", async () => {
    const fn = source(`let kept;
      export async function handler(event) {
        if (event.first) { kept = await fetch(${JSON.stringify(origin)} + "/held?id=kept"); return "kept"; }
        try { await kept.text(); return "read"; } catch (e) { return e.name + ": " + e.message; }
      }`);
    const options = { ...limits, egress: privateNets };
    await pool.invokeEvent(fn, options, { invocationId: "one", event: { first: true }, env: {} });
    const { result } = await pool.invokeEvent(fn, options, { invocationId: "two", event: {}, env: {} });
    assert.match(String(result), /^TypeError: fetch: the response body is gone/);
  });
});
