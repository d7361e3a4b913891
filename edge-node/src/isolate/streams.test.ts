import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { collectingPool, evaluate } from "./test-support.ts";

const { pool } = collectingPool();
after(() => pool.close());

const readAll = `async function readAll(stream) { const out = []; for (const r = stream.getReader();;) { const { done, value } = await r.read(); if (done) return out; out.push(value); } }`;

describe("streams and encoding inside the isolate", () => {
  it("pipes through TextEncoderStream and TextDecoderStream, splitting characters across chunks", async () => {
    const result = await evaluate(
      pool,
      `${readAll}
      const bytes = new TextEncoder().encode("\\ufeffa€😀b");
      const source = new ReadableStream({ start(c) { for (const b of bytes) c.enqueue(new Uint8Array([b])); c.close(); } });
      const decoded = (await readAll(source.pipeThrough(new TextDecoderStream()))).join("");
      const pair = "😀";
      const parts = new ReadableStream({ start(c) { c.enqueue("x" + pair[0]); c.enqueue(pair[1] + "y"); c.enqueue("\\ud800"); c.close(); } });
      const encoded = (await readAll(parts.pipeThrough(new TextEncoderStream()))).flatMap((chunk) => Array.from(chunk));
      const d = new TextDecoderStream("utf8", { ignoreBOM: true });
      return { decoded, encoded, encoding: [new TextEncoderStream().encoding, d.encoding, d.ignoreBOM, d.fatal],
        types: [typeof new TextDecoderStream().readable.getReader, new TextEncoderStream().writable instanceof WritableStream] };`,
    );
    assert.deepEqual(result, {
      decoded: "a€😀b",
      encoded: [...Buffer.from("x😀y"), 0xef, 0xbf, 0xbd],
      encoding: ["utf-8", "utf-8", true, false],
      types: ["function", true],
    });
  });

  it("decodes UTF-8 like the spec: replacement, fatal, BOM, streaming, encodeInto", async () => {
    const result = await evaluate(
      pool,
      `const d = new TextDecoder();
      const out = {
        invalid: d.decode(new Uint8Array([0x61, 0xff, 0xe2, 0x82, 0x62, 0xf0, 0x9f, 0x98])),
        bom: d.decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x68])),
        keepBom: new TextDecoder("utf-8", { ignoreBOM: true }).decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x68])).length,
        streamed: d.decode(new Uint8Array([0xe2, 0x82]), { stream: true }) + d.decode(new Uint8Array([0xac])),
        view: d.decode(new Uint16Array([0x6968, 0x2121]).subarray(1)),
      };
      try { new TextDecoder("utf-8", { fatal: true }).decode(new Uint8Array([0xc3])); } catch (e) { out.fatal = e instanceof TypeError; }
      try { new TextDecoder("latin1"); } catch (e) { out.label = e instanceof RangeError; }
      const target = new Uint8Array(4);
      out.into = [new TextEncoder().encodeInto("a€b", target), Array.from(target)];
      out.lone = Array.from(new TextEncoder().encode("\\udc00"));
      return out;`,
    );
    assert.deepEqual(result, {
      invalid: "a\ufffd\ufffdb\ufffd",
      bom: "h",
      keepBom: 2,
      streamed: "€",
      view: "!!",
      fatal: true,
      label: true,
      into: [{ read: 2, written: 4 }, [0x61, 0xe2, 0x82, 0xac]],
      lone: [0xef, 0xbf, 0xbd],
    });
  });

  it("has ReadableStream, WritableStream and TransformStream that work together", async () => {
    const result = await evaluate(
      pool,
      `${readAll}
      const upper = new TransformStream({ transform(chunk, c) { c.enqueue(chunk.toUpperCase()); } });
      const written = [];
      const sink = new WritableStream({ write(chunk) { written.push(chunk); } });
      const source = new ReadableStream({ start(c) { c.enqueue("a"); c.enqueue("b"); c.close(); } });
      await source.pipeThrough(upper).pipeTo(sink);
      const [left, right] = new ReadableStream({ start(c) { c.enqueue(1); c.close(); } }).tee();
      return { written, tee: [await readAll(left), await readAll(right)] };`,
    );
    assert.deepEqual(result, { written: ["A", "B"], tee: [[1], [1]] });
  });

  it("has AbortController, AbortSignal.abort/timeout, structuredClone, queueMicrotask, setInterval, performance.now", async () => {
    const result = await evaluate(
      pool,
      `const out = {};
      const controller = new AbortController();
      let heard = 0; controller.signal.addEventListener("abort", () => heard++);
      controller.abort("why"); controller.abort("again");
      out.abort = [controller.signal.aborted, controller.signal.reason, heard, AbortSignal.abort().reason.name];
      const timed = AbortSignal.timeout(10);
      await new Promise((resolve) => timed.addEventListener("abort", resolve));
      out.timeout = timed.reason.name;
      const original = { date: new Date(0), map: new Map([[1, { deep: [1n] }]]), bytes: new Uint8Array([1, 2]) };
      const copy = structuredClone(original);
      out.clone = [copy !== original, copy.date.getTime(), copy.map.get(1).deep[0] === 1n, copy.bytes[1], copy.map.get(1) !== original.map.get(1)];
      try { structuredClone(() => 1); } catch (e) { out.cloneFn = e.name; }
      const order = []; queueMicrotask(() => order.push("micro")); order.push("sync"); await null; out.micro = order;
      let ticks = 0; const start = performance.now();
      await new Promise((resolve) => { const id = setInterval(() => { if (++ticks === 3) { clearInterval(id); resolve(); } }, 5); });
      const elapsed = performance.now() - start;
      out.interval = [ticks, elapsed >= 10, typeof performance.now(), performance.timeOrigin > 0];
      return out;`,
    );
    assert.deepEqual(result, {
      abort: [true, "why", 1, "AbortError"],
      timeout: "TimeoutError",
      clone: [true, 0, true, 2, true],
      cloneFn: "DataCloneError",
      micro: ["sync", "micro"],
      interval: [3, true, "number", true],
    });
  });
});
