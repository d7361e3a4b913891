/**
 * `TextEncoderStream` and `TextDecoderStream` (https://encoding.spec.whatwg.org/#interface-textencoderstream)
 * as TransformStreams over the runtime's UTF-8 TextEncoder/TextDecoder. A character split
 * across chunks (a surrogate pair on the way in, a multi-byte sequence on the way out)
 * is held back until its end arrives. The streams chunk loads with the first one
 * (streams.guest.ts).
 */
import type { ReadableStream, WritableStream } from "web-streams-polyfill";
import { streams } from "./streams.guest.ts";
import { TextDecoder, TextEncoder } from "./text-encoding.guest.ts";

const REPLACEMENT = "\ufffd";

export class TextEncoderStream {
  readonly encoding = "utf-8";
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<string>;

  constructor() {
    const encoder = new TextEncoder();
    let pendingHigh = "";
    const transform = new (streams().TransformStream)<string, Uint8Array>({
      transform(chunk, controller) {
        let text = pendingHigh + String(chunk);
        pendingHigh = "";
        const last = text.charCodeAt(text.length - 1);
        if (last >= 0xd800 && last <= 0xdbff) {
          pendingHigh = text.slice(-1);
          text = text.slice(0, -1);
        }
        if (text !== "") controller.enqueue(encoder.encode(text));
      },
      flush(controller) {
        if (pendingHigh !== "") controller.enqueue(encoder.encode(REPLACEMENT));
      },
    });
    this.readable = transform.readable;
    this.writable = transform.writable;
  }

  get [Symbol.toStringTag](): string {
    return "TextEncoderStream";
  }
}

function toBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError("TextDecoderStream: chunks must be BufferSource");
}

export class TextDecoderStream {
  readonly #decoder: TextDecoder;
  readonly readable: ReadableStream<string>;
  readonly writable: WritableStream<BufferSource>;

  constructor(label = "utf-8", options: { fatal?: boolean; ignoreBOM?: boolean } = {}) {
    const decoder = new TextDecoder(label, options);
    this.#decoder = decoder;
    const transform = new (streams().TransformStream)<BufferSource, string>({
      transform(chunk, controller) {
        const text = decoder.decode(toBytes(chunk), { stream: true });
        if (text !== "") controller.enqueue(text);
      },
      flush(controller) {
        const text = decoder.decode();
        if (text !== "") controller.enqueue(text);
      },
    });
    this.readable = transform.readable;
    this.writable = transform.writable;
  }

  get encoding(): string {
    return this.#decoder.encoding;
  }

  get fatal(): boolean {
    return this.#decoder.fatal;
  }

  get ignoreBOM(): boolean {
    return this.#decoder.ignoreBOM;
  }

  get [Symbol.toStringTag](): string {
    return "TextDecoderStream";
  }
}
