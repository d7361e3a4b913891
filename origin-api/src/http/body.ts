/** Request bodies: a hard 10 MB cap (413 FN_006) and JSON parsing that answers 400 FN_006. */
import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { invalid } from "../../../core/index.ts";
import { bodyTooLarge } from "./errors.ts";

export const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** Refuses bodies over the limit before reading them (content-length) or while reading (chunked). */
export function limitBody(maxBytes = MAX_BODY_BYTES): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw bodyTooLarge(maxBytes);
    },
  });
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
  if (!value || typeof value !== "object" || Array.isArray(value)) throw invalid("body", "the body must be a JSON object");
  return value as Record<string, unknown>;
}
