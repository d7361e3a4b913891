/**
 * A request body that arrives from the host in chunks: a ReadableStream whose pull()
 * asks the host for the next chunk (highWaterMark 0: nothing is fetched before a read
 * wants it, so the body is never buffered twice). Such a body loads the streams chunk
 * (streams.guest.ts); a small one arrives whole, as bytes, and does not.
 */
import type { ReadableStream, ReadableStreamDefaultController } from "web-streams-polyfill";
import { streams } from "./streams.guest.ts";

export interface RequestBodyFeed {
  stream: ReadableStream<Uint8Array>;
  /** The host's answer to a pull: a chunk, the end, or why the body failed. */
  push(chunk: Uint8Array | null, done: boolean, error: string | null): void;
}

export function requestBodyStream(pull: () => void): RequestBodyFeed {
  let controller: ReadableStreamDefaultController<Uint8Array> | null = null;
  let answered: (() => void) | null = null;
  const stream = new (streams().ReadableStream)<Uint8Array>(
    {
      start(c) {
        controller = c;
      },
      pull() {
        return new Promise<void>((resolve) => {
          answered = resolve;
          pull();
        });
      },
      cancel() {
        controller = null;
      },
    },
    { highWaterMark: 0 },
  );
  function push(chunk: Uint8Array | null, done: boolean, error: string | null): void {
    const target = controller;
    const resolve = answered;
    answered = null;
    if (target !== null) {
      if (error !== null) {
        controller = null;
        target.error(new TypeError(`request body: ${error}`));
      } else {
        if (chunk !== null && chunk.byteLength > 0) target.enqueue(chunk);
        if (done) {
          controller = null;
          target.close();
        }
      }
    }
    resolve?.();
  }
  return { stream, push };
}
