/**
 * The streams polyfill is a lazy chunk (streams.guest.ts): a function that never touches
 * a stream must not evaluate it, and every way into streams must work when it is the
 * first thing a fresh isolate does. Whether the chunk was evaluated is read from the
 * globals: until then `ReadableStream` and the rest are the runtime's loading accessors,
 * after it they are plain values (no timing, no hook user code could reach).
 */
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import type { EgressConfig } from "../../../core/index.ts";
import { bundleRuntime } from "./runtime-script.ts";
import { collect, collectingPool, limits, request, source, text } from "./test-support.ts";

const { pool } = collectingPool({ prewarmed: 2 });
const server = createServer((_req, res) => res.end("from upstream"));
let origin = "";

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  await pool.close();
  await new Promise((resolve) => server.close(resolve));
});

const STREAM_GLOBALS = [
  "ReadableStream",
  "WritableStream",
  "TransformStream",
  "ByteLengthQueuingStrategy",
  "CountQueuingStrategy",
];

/** Guest code: which of these globals are still loading accessors (nothing evaluated yet). */
const LAZY = `const lazy = (names) => names.filter((name) => typeof Object.getOwnPropertyDescriptor(globalThis, name)?.get === "function");`;

/** Runs `body` first thing in a fresh function (a new isolate); returns what it returned and which stream globals are still lazy. */
async function firstTouch(body: string): Promise<{ out: unknown; lazy: string[] }> {
  const fn = source(`${LAZY}
    export async function handler(event) {
      const ORIGIN = ${JSON.stringify(origin)};
      const out = await (async () => {\n${body}\n})();
      return { out, lazy: lazy(${JSON.stringify(STREAM_GLOBALS)}) };
    }`);
  const egress: EgressConfig = { allowPrivateNetworks: true };
  const { result } = await pool.invokeEvent(
    fn,
    { ...limits, egress },
    { invocationId: "first-touch", event: {}, env: {} },
  );
  return result as { out: unknown; lazy: string[] };
}

const READ_TEXT = `async function readText(stream) {
  const reader = stream.getReader(); let out = "";
  for (;;) { const { done, value } = await reader.read(); if (done) return out; out += typeof value === "string" ? value : new TextDecoder().decode(value); }
}`;

describe("the streams chunk is loaded only when a stream is needed", () => {
  it("the runtime script leaves the polyfill to its chunk (a value import would put it back)", async () => {
    // A string only web-streams-polyfill has: its readers' brand-check message.
    assert.equal((await bundleRuntime()).includes("ReadableStreamDefaultReader"), false);
  });

  it("a hello world, called twice, loads neither streams nor URL", async () => {
    const fn = source(`${LAZY}
      export async function handler(req) {
        if (req.url.endsWith("/probe")) return Response.json(lazy([...${JSON.stringify(STREAM_GLOBALS)}, "URL", "URLSearchParams"]));
        return new Response("hello world");
      }`);
    const hello = await pool.invokeHttp(fn, limits, request({ url: "https://example.test/" }));
    assert.equal(text(hello.result.body), "hello world");
    const probe = await pool.invokeHttp(fn, limits, request({ url: "https://example.test/probe" }));
    assert.deepEqual(JSON.parse(text(probe.result.body)), [...STREAM_GLOBALS, "URL", "URLSearchParams"]);
  });

  it("bodies made and read whole stay bytes: text(), json(), clone(), a small request body", async () => {
    const fn = source(`${LAZY}
      export async function handler(req) {
        const sent = await req.json();
        const res = new Response(JSON.stringify(sent), { headers: { "content-type": "application/json" } });
        const copy = res.clone();
        const both = [await copy.json(), res.bodyUsed, new Blob(["b"]).size, await new Blob(["lob"]).text()];
        return Response.json({ both, lazy: lazy(${JSON.stringify(STREAM_GLOBALS)}) });
      }`);
    const input = request({ method: "POST", body: new TextEncoder().encode('{"a":1}') });
    const { result } = await pool.invokeHttp(fn, limits, input);
    assert.deepEqual(JSON.parse(text(result.body)), { both: [{ a: 1 }, false, 1, "lob"], lazy: STREAM_GLOBALS });
  });

  it("a global assigned before the chunk loads stays assigned, and streams still work", async () => {
    const result = await firstTouch(`${READ_TEXT}
      globalThis.ReadableStream = "mine";
      const read = await readText(new Blob(["still streams"]).stream());
      return [globalThis.ReadableStream, read, typeof TransformStream];`);
    assert.deepEqual(result, { out: ["mine", "still streams", "function"], lazy: [] });
  });

  it("a frozen globalThis still gets its streams", async () => {
    const result = await firstTouch(`${READ_TEXT}
      Object.freeze(globalThis);
      const read = await readText(new Blob(["frozen"]).stream());
      return [read, new ReadableStream() instanceof ReadableStream];`);
    assert.deepEqual(result, { out: ["frozen", true], lazy: STREAM_GLOBALS });
  });

  it("the chunk keeps the Promise the runtime started with, as when it loaded with the runtime", async () => {
    const result = await firstTouch(`const Native = Promise;
      globalThis.Promise = class Replaced extends Native {};
      const read = new ReadableStream({ start(c) { c.close(); } }).getReader().read();
      globalThis.Promise = Native;
      return [Object.getPrototypeOf(read) === Native.prototype, (await read).done];`);
    assert.deepEqual(result, { out: [true, true], lazy: [] });
  });
});

describe("every way into streams works as the first thing a function does", () => {
  const cases: [string, string, unknown][] = [
    [
      "the ReadableStream constructor",
      `const s = new ReadableStream({ start(c) { c.enqueue("a"); c.enqueue("b"); c.close(); } });
      return [await readText(s), s instanceof ReadableStream];`,
      ["ab", true],
    ],
    [
      "Response.body",
      `const body = new Response("from bytes").body;
      return [body instanceof ReadableStream, await readText(body)];`,
      [true, "from bytes"],
    ],
    [
      "Request.body",
      `const body = new Request("https://example.test/", { method: "POST", body: "posted" }).body;
      return [body instanceof ReadableStream, await readText(body)];`,
      [true, "posted"],
    ],
    [
      "TransformStream",
      `const t = new TransformStream({ transform(chunk, c) { c.enqueue(chunk.toUpperCase()); } });
      const w = t.writable.getWriter(); void w.write("up"); void w.close();
      return [await readText(t.readable), t.writable instanceof WritableStream];`,
      ["UP", true],
    ],
    [
      "WritableStream and the queuing strategies",
      `const seen = [];
      const w = new WritableStream({ write(chunk) { seen.push(chunk); } }, new CountQueuingStrategy({ highWaterMark: 2 }));
      const writer = w.getWriter(); await writer.write("x"); await writer.close();
      return [seen, new ByteLengthQueuingStrategy({ highWaterMark: 8 }).size(new Uint8Array(3))];`,
      [["x"], 3],
    ],
    [
      "TextEncoderStream",
      `const t = new TextEncoderStream();
      const w = t.writable.getWriter(); void w.write("é"); void w.close();
      const r = t.readable.getReader(); const { value } = await r.read();
      return Array.from(value);`,
      [0xc3, 0xa9],
    ],
    [
      "TextDecoderStream",
      `const t = new TextDecoderStream();
      const w = t.writable.getWriter(); void w.write(new Uint8Array([0xc3, 0xa9])); void w.close();
      return await readText(t.readable);`,
      "é",
    ],
    ["Blob.stream()", `return await readText(new File(["blob bytes"], "f.txt").stream());`, "blob bytes"],
    [
      "CompressionStream and DecompressionStream",
      `const zipped = new Blob(["zip me"]).stream().pipeThrough(new CompressionStream("gzip"));
      return await readText(zipped.pipeThrough(new DecompressionStream("gzip")));`,
      "zip me",
    ],
    [
      "a fetch response body",
      `const res = await fetch(ORIGIN + "/");
      return [res.body instanceof ReadableStream, await res.text()];`,
      [true, "from upstream"],
    ],
  ];
  for (const [name, body, expected] of cases) {
    it(name, async () => {
      assert.deepEqual(await firstTouch(`${READ_TEXT}\n${body}`), { out: expected, lazy: [] });
    });
  }

  it("a streamed Response returned to the client (server-sent events)", async () => {
    const fn = source(`export async function handler() {
      const encoder = new TextEncoder();
      let n = 0;
      return new Response(new ReadableStream({
        pull(c) { if (n === 2) return c.close(); c.enqueue(encoder.encode("data: " + n++ + "\\n\\n")); },
      }), { headers: { "content-type": "text/event-stream" } });
    }`);
    const { result } = await pool.invokeHttp(fn, limits, request());
    assert.ok(!(result.body instanceof Uint8Array), "streamed, not buffered");
    assert.equal(new TextDecoder().decode(await collect(result.body)), "data: 0\n\ndata: 1\n\n");
  });

  it("a streamed request body read whole, and a Response made of a body's stream", async () => {
    const fn = source(`export async function handler(req) {
      const got = await req.text();
      return new Response(new Response(got + "!").body);
    }`);
    async function* chunks(): AsyncGenerator<Uint8Array> {
      yield new TextEncoder().encode("stre");
      yield new TextEncoder().encode("amed");
    }
    const { result } = await pool.invokeHttp(fn, limits, request({ method: "POST", body: chunks() }));
    assert.equal(new TextDecoder().decode(await collect(result.body)), "streamed!");
  });
});
