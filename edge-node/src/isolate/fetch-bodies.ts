/**
 * The bodies of a guest's fetched responses, kept on the host while the guest reads them.
 * Each has a handle the guest names in `fetch.read`, which answers one chunk per call: the
 * guest asks only when its stream pulls, so an upstream is read no faster than the guest
 * consumes it (Node's stream buffer in between pauses the socket). `fetch.cancel` drops a
 * body. A body belongs to the invocation whose fetch made it and is destroyed when that
 * invocation ends; every body is destroyed when the instance goes away.
 */
import type { Readable } from "node:stream";
import { HostCallError } from "./host-calls.ts";

interface OpenBody {
  key: number;
  stream: Readable;
  chunks: AsyncIterator<Uint8Array>;
  reading: boolean;
}

export class FetchBodies {
  readonly #bodies = new Map<number, OpenBody>();
  #nextHandle = 1;

  /** Keeps `stream` for invocation `key`; the handle goes to the guest. */
  open(key: number, stream: Readable): number {
    const handle = this.#nextHandle++;
    this.#bodies.set(handle, { key, stream, chunks: stream[Symbol.asyncIterator](), reading: false });
    return handle;
  }

  /** The `fetch.read` operation: the next chunk, or null at the end (the body is then forgotten). */
  readonly read = async (raw: unknown): Promise<Uint8Array | null> => {
    const handle = typeof raw === "number" && Number.isSafeInteger(raw) ? raw : -1;
    const body = this.#bodies.get(handle);
    if (body === undefined) {
      throw new HostCallError("TypeError", "fetch: the response body is gone (cancelled, or its invocation ended)");
    }
    if (body.reading) throw new HostCallError("TypeError", "fetch: the response body is already being read");
    body.reading = true;
    try {
      const step = await body.chunks.next();
      if (step.done === true) this.cancel(handle);
      return step.done === true ? null : step.value;
    } catch (error) {
      this.cancel(handle);
      throw readError(error);
    } finally {
      body.reading = false;
    }
  };

  /** The `fetch.cancel` notification, and the end of a body read to its end or failed. */
  readonly cancel = (handle: number): void => {
    const body = this.#bodies.get(handle);
    if (body === undefined) return;
    this.#bodies.delete(handle);
    discard(body.stream);
  };

  endInvocation(key: number): void {
    for (const [handle, body] of this.#bodies) if (body.key === key) this.cancel(handle);
  }

  detach(): void {
    for (const handle of [...this.#bodies.keys()]) this.cancel(handle);
  }
}

/** Destroys a body nobody will read: undici reports that as an error, expected here. */
export function discard(body: Readable): void {
  body.on("error", () => undefined);
  body.destroy();
}

/** Why a body stopped midway, as the guest may see it. */
function readError(error: unknown): HostCallError {
  const name = error instanceof Error ? error.name : "";
  const code = (error as { code?: unknown } | null)?.code;
  if (name === "TimeoutError" || name === "BodyTimeoutError" || code === "UND_ERR_BODY_TIMEOUT") {
    return new HostCallError("TypeError", "fetch failed: the invocation's time ran out while reading the body");
  }
  if (typeof code === "string" && code.startsWith("Z_")) {
    return new HostCallError("TypeError", "fetch failed: the response body's content-encoding is corrupt");
  }
  if (name === "AbortError" || code === "ERR_STREAM_PREMATURE_CLOSE") {
    return new HostCallError("TypeError", "fetch failed: the response body was cut off");
  }
  const message = error instanceof Error ? error.message : String(error);
  return new HostCallError("TypeError", `fetch failed while reading the body: ${message}`);
}
