/** The thin Node `http` adapter of the edge: bounded request bodies (whole or streamed), results (whole or streamed) and errors. */
import type { IncomingMessage, ServerResponse } from "node:http";
import { BunbaseError, errorBody, toBunbaseError } from "../../../core/index.ts";

export const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** Reads the whole body, refusing more than `limit` bytes with 413 FN_006 (contract 2.2). */
export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Uint8Array | null> {
  const declared = Number(req.headers["content-length"] ?? NaN);
  if (declared > limit) throw bodyTooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw bodyTooLarge(limit);
    chunks.push(chunk);
  }
  if (size === 0) return null;
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
}

/** Bodies up to this size (by content-length) are read whole: one copy into the isolate, no pulls. */
const SMALL_BODY_BYTES = 64 * 1024;

/**
 * The request body for the isolate: null when empty, the bytes when small and announced,
 * else the socket's chunks as they arrive, cut at `limit` (the iterator throws 413 FN_006,
 * which fails the invocation). The isolate pulls chunks as the handler reads them, so a
 * large body is never held whole on the host.
 */
export async function requestBody(
  req: IncomingMessage,
  limit = MAX_BODY_BYTES,
): Promise<Uint8Array | AsyncIterable<Uint8Array> | null> {
  const declared = Number(req.headers["content-length"] ?? NaN);
  if (declared > limit) throw bodyTooLarge(limit);
  if (declared === 0) return null;
  if (declared <= SMALL_BODY_BYTES || (Number.isNaN(declared) && req.headers["transfer-encoding"] === undefined)) {
    return readBody(req, limit);
  }
  return boundedChunks(req, limit);
}

async function* boundedChunks(req: IncomingMessage, limit: number): AsyncGenerator<Uint8Array> {
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw bodyTooLarge(limit);
    yield chunk;
  }
}

function bodyTooLarge(limit: number): BunbaseError {
  return new BunbaseError("FN_006", `Request body exceeds ${limit / (1024 * 1024)} MB`, {
    status: 413,
    details: { path: "body", limitBytes: limit },
  });
}

export function headerPairs(req: IncomingMessage): [string, string][] {
  const pairs: [string, string][] = [];
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) pairs.push([raw[i].toLowerCase(), raw[i + 1]]);
  return pairs;
}

/**
 * Writes a function's response. A streamed body goes out chunk by chunk as the guest
 * produces it (status and headers first, so Server-Sent Events reach the client at once),
 * with backpressure. If it fails midway the headers are gone: the connection is cut.
 * Resolves with the error that cut it, if any.
 */
export async function writeResponse(
  res: ServerResponse,
  status: number,
  headers: [string, string][],
  body: Uint8Array | AsyncIterable<Uint8Array>,
  extra: Record<string, string>,
  headOnly = false,
): Promise<unknown> {
  if (body instanceof Uint8Array) return writeResult(res, status, headers, body, extra, headOnly);
  const iterator = body[Symbol.asyncIterator]();
  const noBody = headOnly || status === 204 || status === 304;
  closeIfBodyUnread(res);
  res.writeHead(status, responseHeaders(headers, extra));
  res.flushHeaders();
  if (noBody) {
    await iterator.return?.();
    res.end();
    return undefined;
  }
  const gone = () => void iterator.return?.()?.catch(() => undefined);
  res.once("close", gone);
  try {
    for (;;) {
      const step = await iterator.next();
      if (step.done) break;
      if (res.destroyed) return undefined;
      if (!res.write(step.value)) await waitForDrain(res);
    }
    res.end();
    return undefined;
  } catch (error) {
    res.destroy();
    return error;
  } finally {
    res.off("close", gone);
  }
}

/**
 * A response sent after the request body was read in part (cut at 10 MB, or a handler that
 * stopped reading) closes the connection: the rest of that body is still on the socket,
 * and a client reusing the connection would wait behind it. A body never read at all
 * (a 413 by content-length) is discarded by Node itself and the connection kept.
 */
function closeIfBodyUnread(res: ServerResponse): void {
  const req = res.req;
  if (req !== undefined && !req.complete && (req.destroyed || req.readableDidRead)) res.shouldKeepAlive = false;
}

function waitForDrain(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

/**
 * The response head as Node's flat `[name, value, ...]` list (one line per pair, so a
 * repeated header such as set-cookie stays repeated): the function's headers, less the
 * framing (ours to set) and any name `extra` sets, then `extra`.
 */
function responseHeaders(headers: [string, string][], extra: Record<string, string>): string[] {
  const out: string[] = [];
  for (const [name, value] of headers) {
    const key = name.toLowerCase();
    if (key === "content-length" || key === "transfer-encoding" || key === "connection") continue;
    if (Object.hasOwn(extra, key)) continue;
    out.push(key, value);
  }
  for (const key in extra) out.push(key, extra[key]);
  return out;
}

export function writeResult(
  res: ServerResponse,
  status: number,
  headers: [string, string][],
  body: Uint8Array | string | null,
  extra: Record<string, string>,
  headOnly = false,
): void {
  const out = responseHeaders(headers, extra);
  const bytes = body === null ? 0 : typeof body === "string" ? Buffer.byteLength(body) : body.byteLength;
  const noBody = status === 204 || status === 304;
  if (!noBody) out.push("content-length", String(bytes));
  closeIfBodyUnread(res);
  res.writeHead(status, out);
  if (noBody || headOnly || body === null) res.end();
  else res.end(body);
}

export function writeError(
  res: ServerResponse,
  error: unknown,
  requestId: string,
  extra: Record<string, string> = {},
): BunbaseError {
  const err = toBunbaseError(error);
  if (res.headersSent) {
    res.destroy();
    return err;
  }
  const body = JSON.stringify(errorBody(err, requestId));
  closeIfBodyUnread(res);
  const head = { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) };
  res.writeHead(err.status, Object.assign(head, err.headers, extra));
  res.end(body);
  return err;
}
