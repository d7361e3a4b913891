/**
 * `CompressionStream` and `DecompressionStream` (https://compression.spec.whatwg.org/) for
 * "gzip", "deflate" (zlib) and "deflate-raw", as TransformStreams over pako, a port of
 * zlib that runs in the isolate: nothing crosses to the host. Like zlib it checks the
 * gzip CRC-32 and the zlib Adler-32, so corrupt, truncated or trailing input errors the
 * stream with a TypeError, as the spec asks.
 */
import type * as Pako from "pako";
import { loadChunk } from "./chunks.guest.ts";
import type { ReadableStream, TransformStream, WritableStream } from "web-streams-polyfill";
import { streams } from "./streams.guest.ts";

type Format = "gzip" | "deflate" | "deflate-raw";

// Evaluated on the first stream, not in every new isolate (~45 KB of code): a chunk apart
// from the runtime script (runtime-chunks.ts), as the streams themselves are (streams.guest.ts).
const codec = (): Pick<typeof Pako, "Deflate" | "Inflate"> => loadChunk("pako");

const OPTIONS: Record<Format, { gzip?: boolean; raw?: boolean; windowBits?: number }> = {
  gzip: { gzip: true, windowBits: 15 + 16 },
  deflate: {},
  "deflate-raw": { raw: true },
};
// zlib flush modes (pako takes zlib's numbers).
const Z_NO_FLUSH = 0;
const Z_SYNC_FLUSH = 2;
const Z_FINISH = 4;
const Z_OK = 0;
const Z_BUF_ERROR = -5;

function formatOf(name: string, value: unknown): Format {
  const format = String(value);
  if (!Object.hasOwn(OPTIONS, format)) {
    throw new TypeError(`${name}: unsupported format '${format}' (gzip, deflate or deflate-raw)`);
  }
  return format as Format;
}

function toBytes(name: string, chunk: unknown): Uint8Array {
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError(`${name}: chunks must be an ArrayBuffer or ArrayBufferView`);
}

/** A TransformStream that feeds every chunk to `push(bytes, final)` and enqueues what comes out. */
function codecStream(
  name: string,
  start: (emit: (bytes: Uint8Array) => void) => (bytes: Uint8Array, final: boolean) => void,
): TransformStream<BufferSource, Uint8Array> {
  let push: ((bytes: Uint8Array, final: boolean) => void) | null = null;
  return new (streams().TransformStream)<BufferSource, Uint8Array>({
    start(controller) {
      push = start((bytes) => controller.enqueue(bytes));
    },
    transform(chunk) {
      push?.(toBytes(name, chunk), false);
    },
    flush() {
      push?.(new Uint8Array(0), true);
    },
  });
}

export class CompressionStream {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<BufferSource>;

  constructor(format: Format) {
    const deflate = new (codec().Deflate)(OPTIONS[formatOf("CompressionStream", format)]);
    const transform = codecStream("CompressionStream", (emit) => {
      deflate.onData = emit;
      return (bytes, final) => {
        // Output comes when zlib's window fills, and all of it at the end, as with zlib.
        if (!deflate.push(bytes, final ? Z_FINISH : Z_NO_FLUSH)) {
          throw new TypeError(`CompressionStream: ${deflate.msg || "compression failed"}`);
        }
      };
    });
    this.readable = transform.readable;
    this.writable = transform.writable;
  }

  get [Symbol.toStringTag](): string {
    return "CompressionStream";
  }
}

/** pako keeps its z_stream private; the bytes left in it after the end are trailing junk. */
function unread(inflate: Pako.Inflate): number {
  return (inflate as unknown as { strm: { avail_in: number } }).strm.avail_in;
}

export class DecompressionStream {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<BufferSource>;

  constructor(format: Format) {
    const inflate = new (codec().Inflate)(OPTIONS[formatOf("DecompressionStream", format)]);
    const fail = (reason: string): never => {
      throw new TypeError(`DecompressionStream: ${reason}`);
    };
    const transform = codecStream("DecompressionStream", (emit) => {
      inflate.onData = emit;
      return (bytes, final) => {
        if (inflate.ended) {
          if (bytes.byteLength > 0) fail("data after the end of the compressed stream");
          if (inflate.err !== Z_OK) fail(inflate.msg || "the compressed data is corrupt");
          return;
        }
        // A sync flush hands out what each chunk decodes to at once, not when 64 KB are full.
        const ok = inflate.push(bytes, final ? Z_FINISH : Z_SYNC_FLUSH);
        if (!ok)
          fail(final && inflate.err === Z_BUF_ERROR ? "the compressed data ends early" : inflate.msg || "corrupt data");
        if (inflate.ended && unread(inflate) > 0) fail("data after the end of the compressed stream");
      };
    });
    this.readable = transform.readable;
    this.writable = transform.writable;
  }

  get [Symbol.toStringTag](): string {
    return "DecompressionStream";
  }
}
