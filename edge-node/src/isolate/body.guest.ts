/**
 * The Fetch "Body" mixin shared by Request and Response
 * (https://fetch.spec.whatwg.org/#body-mixin): one body, read once, as text, JSON,
 * bytes or a ReadableStream. A body made from bytes stays bytes until a script reads
 * `body`: a handler returning `new Response("text")` never loads the streams chunk
 * (streams.guest.ts).
 */
import type { ReadableStream } from "web-streams-polyfill";
import { encodeFormBody } from "./multipart.guest.ts";
import { MAX_RESULT_BYTES } from "./protocol.ts";
import { isReadableStream, streams } from "./streams.guest.ts";
import { isUrlSearchParams } from "./url.guest.ts";

export type BodyInit = string | ArrayBuffer | ArrayBufferView | URLSearchParams | ReadableStream<Uint8Array>;

export class BodyTooLargeError extends Error {
  constructor() {
    super(`response body exceeds ${MAX_RESULT_BYTES} bytes`);
    this.name = "BodyTooLargeError";
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

interface ExtractedBody {
  bytes: Uint8Array | null;
  stream: ReadableStream<Uint8Array> | null;
  contentType: string | null;
}

/** https://fetch.spec.whatwg.org/#concept-bodyinit-extract, for the kinds we support. */
export function extractBody(init: BodyInit | null | undefined): ExtractedBody {
  if (init === null || init === undefined) return { bytes: null, stream: null, contentType: null };
  if (typeof init === "string") {
    return { bytes: encoder.encode(init), stream: null, contentType: "text/plain;charset=UTF-8" };
  }
  if (isUrlSearchParams(init)) {
    return {
      bytes: encoder.encode(init.toString()),
      stream: null,
      contentType: "application/x-www-form-urlencoded;charset=UTF-8",
    };
  }
  if (init instanceof ArrayBuffer) return { bytes: new Uint8Array(init.slice(0)), stream: null, contentType: null };
  if (ArrayBuffer.isView(init)) {
    const view = new Uint8Array(init.buffer, init.byteOffset, init.byteLength);
    return { bytes: view.slice(), stream: null, contentType: null };
  }
  if (isReadableStream(init)) return { bytes: null, stream: init, contentType: null };
  const form = encodeFormBody(init); // Blob, File, FormData
  if (form !== null) return { bytes: form.bytes, stream: null, contentType: form.contentType };
  // Anything else is stringified, as browsers do for e.g. numbers.
  return extractBody(String(init));
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

export async function readAll(stream: ReadableStream<Uint8Array>, limit = Infinity): Promise<Uint8Array> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const chunk = typeof value === "string" ? encoder.encode(value) : toBytes(value);
    total += chunk.byteLength;
    if (total > limit) {
      await reader.cancel();
      throw new BodyTooLargeError();
    }
    chunks.push(chunk);
  }
  return concat(chunks, total);
}

function toBytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  throw new TypeError("ReadableStream chunks of a body must be Uint8Array, ArrayBuffer or string");
}

function streamOf(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new (streams().ReadableStream)<Uint8Array>({
    start(controller) {
      if (bytes.byteLength > 0) controller.enqueue(bytes.slice());
      controller.close();
    },
  });
}

/** How the runtime takes a response's body: whole bytes, or the stream to send as it comes. */
export const TAKE_BODY = Symbol("takeBody");

export class Body {
  #bytes: Uint8Array | null;
  #stream: ReadableStream<Uint8Array> | null;
  #used = false;

  constructor(bytes: Uint8Array | null, stream: ReadableStream<Uint8Array> | null) {
    this.#bytes = bytes;
    this.#stream = stream;
  }

  get body(): ReadableStream<Uint8Array> | null {
    // Once a script sees the stream, the stream is the body's only source.
    if (this.#stream === null && this.#bytes !== null) {
      this.#stream = streamOf(this.#bytes);
      this.#bytes = null;
    }
    return this.#stream;
  }

  get bodyUsed(): boolean {
    return this.#used || (this.#stream !== null && this.#stream.locked);
  }

  /** Reads the whole body once; `limit` bounds what a response may hold. */
  async consumeBytes(limit = Infinity): Promise<Uint8Array> {
    if (this.bodyUsed) throw new TypeError("Body has already been used");
    this.#used = true;
    if (this.#bytes !== null) {
      if (this.#bytes.byteLength > limit) throw new BodyTooLargeError();
      return this.#bytes;
    }
    if (this.#stream === null) return new Uint8Array(0);
    return readAll(this.#stream, limit);
  }

  /** The body as the runtime sends it: bytes when they are all there, else the stream. */
  [TAKE_BODY](): { bytes: Uint8Array } | { stream: ReadableStream<Uint8Array> } {
    if (this.bodyUsed) throw new TypeError("Body has already been used");
    this.#used = true;
    if (this.#stream !== null) return { stream: this.#stream };
    return { bytes: this.#bytes ?? new Uint8Array(0) };
  }

  /** The two bodies a clone() hands out: bytes are shared (never mutated), streams teed. */
  cloneParts(): [Uint8Array | null, ReadableStream<Uint8Array> | null] {
    if (this.bodyUsed) throw new TypeError("Body has already been used");
    if (this.#stream === null) return [this.#bytes, null];
    const [mine, theirs] = this.#stream.tee();
    this.#stream = mine;
    return [null, theirs];
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = await this.consumeBytes();
    return bytes.slice().buffer;
  }

  async bytes(): Promise<Uint8Array> {
    return (await this.consumeBytes()).slice();
  }

  async text(): Promise<string> {
    return decoder.decode(await this.consumeBytes());
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }
}
