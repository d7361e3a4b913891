/**
 * The body of a fetched response as a ReadableStream whose pull() asks the host for the
 * next chunk (`fetch.read`; highWaterMark 0, so nothing is read ahead of the script and an
 * endless upstream is never buffered). Cancelling the stream tells the host to drop the
 * upstream body (`fetch.cancel`); so does the fetch's signal aborting, which also errors
 * the stream with the signal's reason (https://fetch.spec.whatwg.org/#abort-fetch step 5).
 */
import type { ReadableStream, ReadableStreamDefaultController } from "web-streams-polyfill";
import type { AbortSignal } from "./abort.guest.ts";
import type { HostCalls } from "./host-calls.guest.ts";
import { FETCH_BODY_CALLS } from "./protocol.ts";
import { streams } from "./streams.guest.ts";

export function fetchedBody(host: HostCalls, handle: number, signal: AbortSignal): ReadableStream<Uint8Array> {
  let controller: ReadableStreamDefaultController<Uint8Array> | null = null;
  /** The body is over for the guest: no more reads, nothing to tell the host later. */
  const finish = (): ReadableStreamDefaultController<Uint8Array> | null => {
    const current = controller;
    controller = null;
    signal.removeEventListener("abort", onAbort);
    return current;
  };
  const drop = () => host.notify(FETCH_BODY_CALLS.cancel, handle);
  const onAbort = () => {
    const current = finish();
    if (current === null) return;
    drop();
    current.error(signal.reason);
  };
  return new (streams().ReadableStream)<Uint8Array>(
    {
      start(c) {
        controller = c;
        signal.addEventListener("abort", onAbort);
      },
      async pull() {
        let chunk: unknown;
        try {
          chunk = await host.run(FETCH_BODY_CALLS.read, handle);
        } catch (error) {
          finish()?.error(error);
          return;
        }
        if (chunk === null) finish()?.close();
        else controller?.enqueue(chunk as Uint8Array);
      },
      cancel() {
        if (finish() !== null) drop();
      },
    },
    { highWaterMark: 0 },
  );
}
