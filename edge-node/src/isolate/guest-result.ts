/**
 * Validation of everything an instance copies out of the isolate. Guest code can replace
 * any global, prototype or getter the runtime uses, so nothing coming back is trusted:
 * shapes, types and sizes are checked here, and anything off is FN_004, never a crash.
 */
import { BunbaseError } from "../../../core/index.ts";
import { MAX_RESULT_BYTES, type GuestError, type GuestErrorKind } from "./protocol.ts";

const ERROR_KINDS: readonly GuestErrorKind[] = ["uncaught", "bad-return", "too-big", "missing-export"];
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const MAX_HEADERS = 1000;
const MAX_HEADER_BYTES = 256 * 1024;
const MAX_ERROR_TEXT = 16 * 1024;

export function badReturn(reason: string): BunbaseError {
  return new BunbaseError("FN_004", `bad return value: ${reason}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function clip(value: unknown): string {
  const text = typeof value === "string" ? value : "";
  return text.length > MAX_ERROR_TEXT ? `${text.slice(0, MAX_ERROR_TEXT)}…` : text;
}

export function readGuestError(value: unknown): GuestError {
  if (!isRecord(value) || !ERROR_KINDS.includes(value.kind as GuestErrorKind)) {
    throw badReturn("the runtime's error report was malformed");
  }
  return {
    kind: value.kind as GuestErrorKind,
    name: clip(value.name) || "Error",
    message: clip(value.message),
    stack: clip(value.stack),
  };
}

function readHeaders(value: unknown): [string, string][] {
  if (!Array.isArray(value) || value.length > MAX_HEADERS)
    throw badReturn("headers must be a list of at most 1000 pairs");
  let bytes = 0;
  return value.map((pair: unknown) => {
    if (!Array.isArray(pair) || pair.length !== 2) throw badReturn("a header must be a [name, value] pair");
    const [name, text] = pair as unknown[];
    if (typeof name !== "string" || !TOKEN.test(name)) throw badReturn("a header name is not a valid token");
    if (typeof text !== "string" || /[\0\r\n]/.test(text)) throw badReturn(`header ${name} has an invalid value`);
    bytes += name.length + text.length;
    if (bytes > MAX_HEADER_BYTES) throw badReturn("headers exceed 256 KB");
    return [name.toLowerCase(), text];
  });
}

export function tooBig(): BunbaseError {
  return new BunbaseError("FN_004", `response too big: the limit is ${MAX_RESULT_BYTES / (1024 * 1024)} MB`);
}

/** An `ok: true` HTTP outcome -> status, headers, and the whole body unless it streams (null). */
export function readHttpHead(value: Record<string, unknown>): {
  status: number;
  headers: [string, string][];
  body: Uint8Array | null;
} {
  const { status, body } = value;
  if (typeof status !== "number" || !Number.isInteger(status) || status < 200 || status > 599) {
    throw badReturn(`status must be an integer in 200-599, got ${typeof status === "number" ? status : typeof status}`);
  }
  const headers = readHeaders(value.headers);
  if (value.streaming === true) return { status, headers, body: null };
  if (!(body instanceof Uint8Array)) throw badReturn("the body must be bytes");
  if (body.byteLength > MAX_RESULT_BYTES) throw tooBig();
  return { status, headers, body };
}

/** One read of a streamed response body. */
export function readChunk(value: unknown): { done: true } | { done: false; value: Uint8Array } | { error: GuestError } {
  if (!isRecord(value)) throw badReturn("the runtime returned a malformed body chunk");
  if ("error" in value) return { error: readGuestError(value.error) };
  if (value.done === true) return { done: true };
  if (!(value.value instanceof Uint8Array)) throw badReturn("a body chunk must be bytes");
  return { done: false, value: value.value };
}

/** An `ok: true` event outcome -> the parsed JSON result. */
export function readEventResult(value: Record<string, unknown>): unknown {
  if (typeof value.json !== "string") throw badReturn("the result must be JSON");
  if (value.json.length > MAX_RESULT_BYTES) throw tooBig();
  try {
    return JSON.parse(value.json);
  } catch {
    throw badReturn("the result is not valid JSON");
  }
}

/** Splits a copied outcome into success data or the guest's error report. */
export function readOutcome(
  value: unknown,
): { ok: true; data: Record<string, unknown> } | { ok: false; error: GuestError } {
  if (!isRecord(value) || typeof value.ok !== "boolean") throw badReturn("the runtime returned a malformed outcome");
  return value.ok ? { ok: true, data: value } : { ok: false, error: readGuestError(value.error) };
}
