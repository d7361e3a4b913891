/**
 * The host side of a streamed request body: pulls chunks from the edge server's
 * AsyncIterable one at a time, when the guest asks, and hands each over as a transferred
 * ExternalCopy (no copy of the bytes when the chunk owns its whole ArrayBuffer). A body
 * that fails on the host (over 10 MB: 413 FN_006) errors the guest's stream and is kept
 * as `failure`, which the invocation answers with whatever the handler did.
 */
import ivm from "isolated-vm";
import { BunbaseError } from "../../../core/index.ts";

export interface BodyStep {
  /** The pushBody entry's arguments for invocation `key`. */
  args(key: number): unknown[];
}

export class RequestBodyFeed {
  readonly #iterator: AsyncIterator<Uint8Array>;
  #done = false;
  failure: BunbaseError | null = null;

  constructor(body: AsyncIterable<Uint8Array>) {
    this.#iterator = body[Symbol.asyncIterator]();
  }

  async next(): Promise<BodyStep> {
    if (this.#done) return { args: (key) => [key, null, true, null] };
    try {
      const step = await this.#iterator.next();
      if (step.done) {
        this.#done = true;
        return { args: (key) => [key, null, true, null] };
      }
      const chunk = step.value;
      return { args: (key) => [key, transferable(chunk), false, null] };
    } catch (error) {
      this.#done = true;
      this.failure =
        error instanceof BunbaseError
          ? error
          : new BunbaseError("FN_006", "The request body could not be read", { status: 400, cause: error });
      const message = this.failure.message;
      return { args: (key) => [key, null, true, message] };
    }
  }

  /** The invocation is over: stop reading (the rest of the body is discarded by the server). */
  close(): void {
    if (this.#done) return;
    this.#done = true;
    void this.#iterator.return?.()?.catch(() => undefined);
  }
}

/** A chunk as a one-shot handle the guest receives as its own Uint8Array. */
function transferable(chunk: Uint8Array): unknown {
  const owns = chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength;
  // A chunk that is a view into a larger buffer (Node's Buffer pool, a socket read) is
  // copied to exactly its bytes: isolated-vm would carry the whole buffer, other memory of
  // this process included, into the guest; and transferring would detach it under its
  // other users. (`new Uint8Array(view)` copies; a Buffer's own slice() would not.)
  const bytes = owns && !(chunk.buffer instanceof SharedArrayBuffer) ? chunk : new Uint8Array(chunk);
  return new ivm.ExternalCopy(bytes, { transferOut: true }).copyInto({ release: true, transferIn: true });
}
