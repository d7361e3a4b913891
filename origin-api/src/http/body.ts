/** Request bodies: a hard 10 MB cap (413 FN_006) and JSON parsing that answers 400 FN_006. */
import type { Context, MiddlewareHandler } from "hono";
import { invalid } from "../../../core/index.ts";
import { bodyTooLarge } from "./errors.ts";

export const MAX_BODY_BYTES = 10 * 1024 * 1024;

/**
 * Refuses bodies over the limit: by content-length before reading, or while reading a
 * chunked body (buffered up to the limit, never more). A chunked body cut short leaves
 * unread bytes on the connection, so that answer also closes it.
 */
export function limitBody(maxBytes = MAX_BODY_BYTES): MiddlewareHandler {
  return async function limitBody(c, next) {
    const raw = c.req.raw;
    if (!raw.body) return next();
    const length = raw.headers.get("content-length");
    if (length !== null && !raw.headers.has("transfer-encoding")) {
      if (Number(length) > maxBytes) throw bodyTooLarge(maxBytes);
      return next();
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    const reader = raw.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw bodyTooLarge(maxBytes, { connection: "close" });
      }
      chunks.push(value);
    }
    c.req.raw = new Request(raw, { body: Buffer.concat(chunks, size) });
    return next();
  };
}

/** The JSON body as an object; an empty body is `{}` when `optional`. */
export async function readJson(c: Context, optional = false): Promise<Record<string, unknown>> {
  const text = await c.req.text();
  if (text.trim() === "") {
    if (optional) return {};
    throw invalid("body", "a JSON body is required");
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw invalid("body", `malformed JSON: ${(err as Error).message}`);
  }
  if (!value || typeof value !== "object" || Array.isArray(value))
    throw invalid("body", "the body must be a JSON object");
  return value as Record<string, unknown>;
}
