import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { deflateRawSync, deflateSync, gunzipSync, gzipSync, inflateRawSync, inflateSync } from "node:zlib";
import { collectingPool, evaluate } from "./test-support.ts";

const { pool } = collectingPool();
after(() => pool.close());

/** Guest helpers: run `bytes` (in chunks of `size`) through a transform, and back to text. */
const helpers = `
  async function through(transform, bytes, size = 7) {
    const source = new ReadableStream({ start(c) { for (let i = 0; i < bytes.length; i += size) c.enqueue(bytes.slice(i, i + size)); c.close(); } });
    return new Uint8Array(await new Response(source.pipeThrough(transform)).arrayBuffer());
  }
  async function failure(transform, bytes) {
    try { await through(transform, bytes); return "no error"; } catch (e) { return e.constructor.name + ": " + e.message; }
  }
  const text = (bytes) => new TextDecoder().decode(bytes);
  const fromHex = (hex) => new Uint8Array((hex.match(/../g) ?? []).map((b) => parseInt(b, 16)));
  const toHex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");`;

const FORMATS = ["gzip", "deflate", "deflate-raw"] as const;
const HOST = {
  gzip: { compress: gzipSync, decompress: gunzipSync },
  deflate: { compress: deflateSync, decompress: inflateSync },
  "deflate-raw": { compress: deflateRawSync, decompress: inflateRawSync },
};
const message = "hello, compression streams! ".repeat(200) + "€😀";

describe("CompressionStream and DecompressionStream", () => {
  it("round-trips every format, in chunks, and what it compresses node:zlib reads", async () => {
    const result = (await evaluate(
      pool,
      `${helpers}
      const input = new TextEncoder().encode(${JSON.stringify(message)});
      const out = {};
      for (const format of ${JSON.stringify(FORMATS)}) {
        const packed = await through(new CompressionStream(format), input);
        out[format] = { packed: toHex(packed), back: text(await through(new DecompressionStream(format), packed, 3)) };
      }
      return out;`,
    )) as Record<string, { packed: string; back: string }>;
    for (const format of FORMATS) {
      assert.equal(result[format].back, message, format);
      const packed = Buffer.from(result[format].packed, "hex");
      assert.ok(packed.byteLength < message.length / 4, `${format} compresses`);
      assert.equal(HOST[format].decompress(packed).toString(), message, `node:zlib reads the guest's ${format}`);
    }
  });

  it("decompresses what node:zlib made on the host, and multi-member gzip", async () => {
    const made = Object.fromEntries(FORMATS.map((format) => [format, HOST[format].compress(message).toString("hex")]));
    const twoMembers = Buffer.concat([gzipSync("one,"), gzipSync("two")]).toString("hex");
    const result = await evaluate(
      pool,
      `${helpers}
      const made = ${JSON.stringify(made)};
      const out = {};
      for (const format of Object.keys(made)) out[format] = text(await through(new DecompressionStream(format), fromHex(made[format])));
      out.members = text(await through(new DecompressionStream("gzip"), fromHex(${JSON.stringify(twoMembers)})));
      return out;`,
    );
    assert.deepEqual(result, { gzip: message, deflate: message, "deflate-raw": message, members: "one,two" });
  });

  it("errors with a TypeError on corrupt, truncated, trailing or wrong-format input", async () => {
    const gzip = gzipSync(message);
    const badCrc = Buffer.from(gzip);
    badCrc[badCrc.length - 6] ^= 0xff;
    const badData = Buffer.from(gzip);
    badData[20] ^= 0xff;
    const cases = {
      crc: ["gzip", badCrc],
      data: ["gzip", badData],
      truncated: ["gzip", gzip.subarray(0, gzip.length - 10)],
      trailing: ["deflate", Buffer.concat([deflateSync("x"), Buffer.from("junk")])],
      wrongFormat: ["gzip", deflateSync("x")],
      empty: ["deflate-raw", Buffer.alloc(0)],
      garbage: ["deflate", Buffer.from("not compressed at all")],
    };
    const hex = Object.fromEntries(
      Object.entries(cases).map(([name, [format, bytes]]) => [name, [format, bytes.toString("hex")]]),
    );
    const result = (await evaluate(
      pool,
      `${helpers}
      const out = {};
      for (const [name, [format, hex]] of Object.entries(${JSON.stringify(hex)})) out[name] = await failure(new DecompressionStream(format), fromHex(hex));
      return out;`,
    )) as Record<string, string>;
    for (const [name, outcome] of Object.entries(result)) {
      assert.match(outcome, /^TypeError: DecompressionStream: /, `${name}: ${outcome}`);
    }
    assert.match(result.crc, /incorrect data check/);
    assert.match(result.truncated, /ends early/);
    assert.match(result.trailing, /after the end/);
  });

  it("checks its format and chunks like the spec", async () => {
    const result = await evaluate(
      pool,
      `${helpers}
      const out = [];
      for (const make of [() => new CompressionStream("brotli"), () => new DecompressionStream(), () => new CompressionStream("GZIP")]) {
        try { make(); out.push("made"); } catch (e) { out.push(e instanceof TypeError); }
      }
      const strings = new ReadableStream({ start(c) { c.enqueue("a string"); c.close(); } });
      try { await new Response(strings.pipeThrough(new CompressionStream("gzip"))).arrayBuffer(); out.push("read"); } catch (e) { out.push(e.name); }
      const stream = new DecompressionStream("deflate");
      out.push(Object.prototype.toString.call(stream), stream.readable instanceof ReadableStream, stream.writable instanceof WritableStream);
      return out;`,
    );
    assert.deepEqual(result, [true, true, true, "TypeError", "[object DecompressionStream]", true, true]);
  });
});
