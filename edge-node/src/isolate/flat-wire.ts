/**
 * The two hot crossings, `start` (host -> guest) and `reply` (guest -> host), as flat
 * arrays of primitives instead of one object per invocation. isolated-vm copies with V8's
 * serializer, which writes every property name of every object: a hello world's request
 * cost ~1.2 us of the host's thread to copy as an object and ~0.4 us as a flat run of
 * strings, and its answer likewise. Both sides import this file (no host or guest imports).
 *
 * Start, per invocation:
 *   http:  key, START_HTTP, method, url, requestId, extra, headerCount, name1, value1, ...
 *          (`extra` is null, or { body, streamBody, geo, auth } when any is set)
 *   event: key, START_EVENT, input
 * Reply, per answer:
 *   a buffered or streamed HTTP result that is ok:
 *          key, REPLY_HTTP, status, flags (WAITING | STREAMING), body, headerCount, name1, value1, ...
 *   any other answer: key, REPLY_OTHER, kind, value
 *
 * What the guest sends is untrusted (user code shares its isolate): decodeReplies() checks
 * the framing and stops at the first entry that is off; the values themselves are checked
 * by guest-result.ts as before.
 */
import type { GuestEventInput, GuestHttpInput, GuestReplyKind, GuestStart } from "./protocol.ts";

const START_HTTP = 0;
const START_EVENT = 1;
const REPLY_HTTP = 0;
const REPLY_OTHER = 1;
const WAITING = 1;
const STREAMING = 2;

/** Host side: the accepted invocations, flattened for one `start` entry. */
export function encodeStarts(starts: readonly GuestStart[]): unknown[] {
  const flat: unknown[] = [];
  for (const start of starts) {
    if (start[1] === "event") {
      flat.push(start[0], START_EVENT, start[2]);
      continue;
    }
    const [key, , input] = start;
    const plain = input.body === null && !input.streamBody && input.geo === null && input.auth == null;
    const extra = plain ? null : { body: input.body, streamBody: input.streamBody, geo: input.geo, auth: input.auth };
    flat.push(key, START_HTTP, input.method, input.url, input.requestId, extra, input.headers.length);
    for (const [name, value] of input.headers) flat.push(name, value);
  }
  return flat;
}

/** Guest side: calls `http` or `event` for each invocation of a flat start batch, in order. */
export function decodeStarts(
  flat: readonly unknown[],
  http: (key: number, input: GuestHttpInput) => void,
  event: (key: number, input: GuestEventInput) => void,
): void {
  let i = 0;
  while (i < flat.length) {
    const key = flat[i] as number;
    if (flat[i + 1] === START_EVENT) {
      event(key, flat[i + 2] as GuestEventInput);
      i += 3;
      continue;
    }
    const extra = flat[i + 5] as Pick<GuestHttpInput, "body" | "streamBody" | "geo" | "auth"> | null;
    const count = flat[i + 6] as number;
    const headers: [string, string][] = new Array(count);
    let at = i + 7;
    for (let h = 0; h < count; h++, at += 2) headers[h] = [flat[at] as string, flat[at + 1] as string];
    http(key, {
      method: flat[i + 2] as string,
      url: flat[i + 3] as string,
      requestId: flat[i + 4] as string,
      headers,
      body: extra === null ? null : extra.body,
      streamBody: extra === null ? false : extra.streamBody,
      geo: extra === null ? null : extra.geo,
      auth: extra === null ? null : extra.auth,
    });
    i = at;
  }
}

/** Guest side: appends one answer to the outbox (see the file comment for the layout). */
export function encodeReply(outbox: unknown[], key: number, kind: GuestReplyKind, value: unknown): void {
  const outcome = value as {
    ok?: unknown;
    status?: unknown;
    waiting?: unknown;
    streaming?: unknown;
    body?: unknown;
    headers?: unknown;
  };
  if (kind === "result" && outcome.ok === true && Array.isArray(outcome.headers) && "status" in outcome) {
    const headers = outcome.headers as [string, string][];
    const flags = (outcome.waiting === true ? WAITING : 0) | (outcome.streaming === true ? STREAMING : 0);
    outbox.push(key, REPLY_HTTP, outcome.status, flags, outcome.body, headers.length);
    for (const [name, text] of headers) outbox.push(name, text);
    return;
  }
  outbox.push(key, REPLY_OTHER, kind, value);
}

/**
 * Host side: calls `each` with (key, kind, value) for every answer of a flat reply batch,
 * rebuilding an HTTP result as the outcome object guest-result.ts reads. Stops at the first
 * entry whose framing is wrong (a tampered runtime): its invocations then time out.
 */
export function decodeReplies(flat: unknown, each: (key: number, kind: unknown, value: unknown) => void): void {
  if (!Array.isArray(flat)) return;
  let i = 0;
  while (i < flat.length) {
    const key: unknown = flat[i];
    const tag: unknown = flat[i + 1];
    if (typeof key !== "number") return;
    if (tag === REPLY_OTHER) {
      if (i + 3 >= flat.length) return;
      each(key, flat[i + 2], flat[i + 3]);
      i += 4;
      continue;
    }
    const count: unknown = flat[i + 5];
    if (tag !== REPLY_HTTP || typeof count !== "number" || !Number.isInteger(count) || count < 0) return;
    const end = i + 6 + 2 * count;
    if (end > flat.length) return;
    const headers: unknown[] = new Array(count);
    for (let h = 0, at = i + 6; h < count; h++, at += 2) headers[h] = [flat[at], flat[at + 1]];
    const flags = flat[i + 3] as number;
    each(key, "result", {
      ok: true,
      status: flat[i + 2],
      waiting: (flags & WAITING) !== 0,
      streaming: (flags & STREAMING) !== 0,
      body: flat[i + 4],
      headers,
    });
    i = end;
  }
}
