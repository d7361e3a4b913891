/** The thin Node `http` adapter of the edge: read a bounded body, write results and errors. */
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

export function writeResult(
  res: ServerResponse,
  status: number,
  headers: [string, string][],
  body: Uint8Array | string | null,
  extra: Record<string, string>,
  headOnly = false,
): void {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of headers) {
    const key = name.toLowerCase();
    // Framing is ours to set: the body is complete here.
    if (key === "content-length" || key === "transfer-encoding" || key === "connection") continue;
    const prev = out[key];
    if (prev === undefined) out[key] = value;
    else if (Array.isArray(prev)) prev.push(value);
    else out[key] = [prev, value];
  }
  Object.assign(out, extra);
  const bytes = body === null ? 0 : typeof body === "string" ? Buffer.byteLength(body) : body.byteLength;
  const noBody = status === 204 || status === 304;
  if (!noBody) out["content-length"] = String(bytes);
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
  res.writeHead(err.status, {
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(body)),
    ...err.headers,
    ...extra,
  });
  res.end(body);
  return err;
}
