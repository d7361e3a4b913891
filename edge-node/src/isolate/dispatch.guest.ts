/**
 * Picks the user's handler out of the module namespace and runs invocations of it, many
 * at once: builds the Request (or passes the event), calls the handler in the shape it was
 * written for (contract section 4), and replies with a copyable outcome. Per invocation it
 * keeps the ctx.waitUntil promises, the two body streams (request in, response out) and
 * the controller of the request's `signal`, aborted when the host abandons the invocation.
 */
import { AbortController, type AbortSignal } from "./abort.guest.ts";
import { BodyTooLargeError, TAKE_BODY, type BodyInit } from "./body.guest.ts";
import { decodeStarts } from "./flat-wire.ts";
import { enter } from "./invocations.guest.ts";
import type {
  GuestChunk,
  GuestError,
  GuestErrorKind,
  GuestEventInput,
  GuestEventOutcome,
  GuestHttpInput,
  GuestHttpOutcome,
  GuestReplyKind,
} from "./protocol.ts";
import { MAX_RESULT_BYTES } from "./protocol.ts";
import { requestBodyStream, type RequestBodyFeed } from "./request-body.guest.ts";
import { headerList, Headers } from "./headers.guest.ts";
import { hostRequest, Response } from "./request-response.guest.ts";

type Handler = (...args: unknown[]) => unknown;
interface FetchObject {
  fetch: Handler;
}

interface InvocationState {
  pending: Promise<unknown>[];
  /** Aborts `request.signal`: made when user code first reads the signal (signalOf). */
  abort: AbortController | null;
  /** Why the invocation was abandoned, for a signal first read after that. */
  abandoned: DOMException | null;
  feed: RequestBodyFeed | null;
  reader: { read(): Promise<{ done: boolean; value?: unknown }>; cancel(reason?: unknown): Promise<void> } | null;
}

export interface DispatchHost {
  /** The instance's env, for `process.env`. */
  setEnv(env: Readonly<Record<string, string>>): void;
  reply(key: number, kind: GuestReplyKind, value: unknown): void;
  pullBody(key: number): void;
  cancelTimers(key: number): void;
  hasTimers(key: number): boolean;
}

const allSettled = Promise.allSettled.bind(Promise);
const encoder = new TextEncoder();
const freeze = Object.freeze;

function read(target: unknown, key: string): unknown {
  try {
    return (target as Record<string, unknown>)[key];
  } catch {
    return undefined; // a throwing getter on a thrown value: describe it without that field
  }
}

export function guestError(kind: GuestErrorKind, value: unknown): GuestError {
  if (value instanceof Error || (typeof value === "object" && value !== null && "message" in value)) {
    const name = read(value, "name");
    const message = read(value, "message");
    const stack = read(value, "stack");
    return {
      kind,
      name: typeof name === "string" ? name : "Error",
      message: typeof message === "string" ? message : String(message),
      stack: typeof stack === "string" ? stack : "",
    };
  }
  let text: string;
  try {
    text = typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return { kind, name: "Error", message: text, stack: "" };
}

function typeName(value: unknown): string {
  return value === null ? "null" : typeof value;
}

export function createDispatcher(host: DispatchHost) {
  let target: Handler | FetchObject | null = null;
  let exports: Record<string, unknown> = {};
  let env: Readonly<Record<string, string>> = freeze({});
  const states = new Map<number, InvocationState>();

  /** Before the module is evaluated: its top-level code already sees `process.env`. */
  function setEnv(installEnv: Record<string, string>): void {
    env = freeze({ ...installEnv });
    host.setEnv(env);
  }

  function install(
    namespace: Record<string, unknown>,
    exportName: string,
    installEnv: Record<string, string>,
  ): GuestError | null {
    setEnv(installEnv);
    exports = namespace;
    if (!(exportName in namespace)) {
      return guestError("missing-export", new Error(`export "${exportName}" not found in the bundle`));
    }
    const value = namespace[exportName];
    if (typeof value === "function") target = value as Handler;
    else if (typeof value === "object" && value !== null && typeof read(value, "fetch") === "function") {
      target = value as FetchObject;
    } else {
      return guestError(
        "missing-export",
        new Error(`export "${exportName}" is ${typeName(value)}, expected a function or an object with fetch()`),
      );
    }
    return null;
  }

  function open(key: number): InvocationState {
    enter(key);
    const state: InvocationState = {
      pending: [],
      abort: null,
      abandoned: null,
      feed: null,
      reader: null,
    };
    states.set(key, state);
    return state;
  }

  const waiting = (key: number, state: InvocationState) => state.pending.length > 0 || host.hasTimers(key);

  /** Starts every invocation of the batch (flat-wire.ts), in order: one entry for many requests. */
  function start(batch: unknown[]): void {
    decodeStarts(batch, invokeHttp, invokeEvent);
  }

  function invokeHttp(key: number, input: GuestHttpInput): void {
    const state = open(key);
    void runHttp(key, state, input).then((outcome) => {
      if (states.get(key) !== state) return; // abandoned meanwhile
      const streaming = outcome.ok && outcome.streaming;
      const more = streaming || waiting(key, state);
      outcome.waiting = more;
      host.reply(key, "result", outcome);
      // Nothing more will come for it (no body to stream, no waitUntil, no timers): the
      // host ends it without another entry, so it is forgotten here and now.
      if (!more) forget(key, state);
    });
  }

  function invokeEvent(key: number, input: GuestEventInput): void {
    const state = open(key);
    void runEvent(state, input).then((outcome) => {
      if (states.get(key) !== state) return;
      const more = waiting(key, state);
      outcome.waiting = more;
      host.reply(key, "result", outcome);
      if (!more) forget(key, state);
    });
  }

  // Outcomes are made with every field of the reply (`waiting` set last by the caller): in
  // Node 20's V8, `{ ...outcome, waiting }` makes a new hidden class on every call.

  function context(state: InvocationState) {
    const waitUntil = (promise: unknown): void => void state.pending.push(Promise.resolve(promise));
    return { waitUntil };
  }

  async function runHttp(key: number, state: InvocationState, input: GuestHttpInput): Promise<GuestHttpOutcome> {
    let result: unknown;
    try {
      let body: BodyInit | null = input.body;
      if (input.streamBody) {
        state.feed = requestBodyStream(() => host.pullBody(key));
        body = state.feed.stream;
      }
      const init = { method: input.method, headers: input.headers, body };
      const request = hostRequest(input.url, init, () => signalOf(state));
      const { waitUntil } = context(state);
      if (typeof target === "function") {
        const ctx = { env, geo: input.geo, auth: input.auth, requestId: input.requestId, waitUntil };
        result = await target(request, freeze(ctx));
      } else if (target !== null) {
        const ctx = freeze({ waitUntil, passThroughOnException() {} });
        result = await target.fetch(request, env, ctx);
      }
    } catch (error) {
      return { ok: false, waiting: false, error: guestError("uncaught", error) };
    }
    if (!(result instanceof Response)) {
      return {
        ok: false,
        waiting: false,
        error: guestError("bad-return", new TypeError(`handler returned ${typeName(result)}, expected a Response`)),
      };
    }
    try {
      const taken = result[TAKE_BODY]();
      const status = result.status;
      const headers = result.headers instanceof Headers ? headerList(result.headers) : [...result.headers];
      if ("stream" in taken) {
        state.reader = taken.stream.getReader();
        return { ok: true, waiting: false, status, headers, body: null, streaming: true };
      }
      if (taken.bytes.byteLength > MAX_RESULT_BYTES) throw new BodyTooLargeError();
      return { ok: true, waiting: false, status, headers, body: taken.bytes, streaming: false };
    } catch (error) {
      return {
        ok: false,
        waiting: false,
        error: guestError(error instanceof BodyTooLargeError ? "too-big" : "uncaught", error),
      };
    }
  }

  async function runEvent(state: InvocationState, input: GuestEventInput): Promise<GuestEventOutcome> {
    // A trigger may name its own handler: another export of the entry module.
    const own = typeof input.handler === "string" ? input.handler : null;
    // A module namespace has no prototype: `in` sees exactly its exports.
    const handler = own === null ? target : own in exports ? exports[own] : undefined;
    if (typeof handler !== "function") {
      const what = own === null ? "the export" : `the trigger's handler "${own}"`;
      const why = own !== null && handler === undefined ? "is not exported by the entry module" : "is not a function";
      return {
        ok: false,
        waiting: false,
        error: guestError("missing-export", new TypeError(`${what} ${why}, so it cannot handle events`)),
      };
    }
    let result: unknown;
    try {
      result = await (handler as Handler)(input.event, freeze({ env, waitUntil: context(state).waitUntil }));
    } catch (error) {
      return { ok: false, waiting: false, error: guestError("uncaught", error) };
    }
    try {
      const json = result === undefined ? "null" : JSON.stringify(result);
      if (typeof json !== "string") throw new TypeError(`a ${typeName(result)} is not JSON`);
      if (json.length > MAX_RESULT_BYTES)
        return {
          ok: false,
          waiting: false,
          error: guestError("too-big", new Error(`result exceeds ${MAX_RESULT_BYTES} bytes`)),
        };
      return { ok: true, waiting: false, json };
    } catch (error) {
      const message = read(error, "message");
      return {
        ok: false,
        waiting: false,
        error: guestError("bad-return", new TypeError(`bad return value: ${String(message)}`)),
      };
    }
  }

  function readBody(key: number): void {
    enter(key);
    const state = states.get(key);
    const reader = state?.reader;
    if (state === undefined || reader === null || reader === undefined) return;
    const answer = (chunk: GuestChunk) => {
      if (states.get(key) === state) host.reply(key, "chunk", chunk);
    };
    reader.read().then(
      ({ done, value }) => {
        if (done) return answer({ done: true });
        try {
          answer({ done: false, value: chunkBytes(value) });
        } catch (error) {
          void reader.cancel(error);
          answer({ error: guestError("bad-return", error) });
        }
      },
      (error: unknown) => answer({ error: guestError("uncaught", error) }),
    );
  }

  function pushBody(key: number, chunk: Uint8Array | null, done: boolean, error: string | null): void {
    enter(key);
    states.get(key)?.feed?.push(chunk, done, error);
  }

  /** Waits for ctx.waitUntil promises, including ones added while waiting. */
  function drain(key: number): void {
    const state = states.get(key);
    if (state === undefined) return host.reply(key, "drained", []);
    enter(key);
    void settleAll(state).then((failures) => {
      if (states.get(key) !== state) return;
      forget(key, state);
      host.reply(key, "drained", failures);
    });
  }

  async function settleAll(state: InvocationState): Promise<GuestError[]> {
    const failures: GuestError[] = [];
    while (state.pending.length > 0) {
      const batch = state.pending;
      state.pending = [];
      for (const outcome of await allSettled(batch)) {
        if (outcome.status === "rejected") failures.push(guestError("uncaught", outcome.reason));
      }
    }
    return failures;
  }

  function forget(key: number, state: InvocationState): void {
    states.delete(key);
    host.cancelTimers(key);
    state.feed?.push(null, true, "the invocation ended");
    if (state.reader !== null) void state.reader.cancel().catch(() => undefined);
  }

  /** The host gave up (timeout, client gone): the request's signal aborts after the streams end. */
  function abandon(key: number): void {
    const state = states.get(key);
    if (state === undefined) return host.cancelTimers(key);
    enter(key);
    forget(key, state);
    state.abandoned = new DOMException(
      "The invocation was abandoned: the client went away or its time ran out",
      "AbortError",
    );
    state.abort?.abort(state.abandoned);
  }

  /** The request's signal, made on first read; already aborted if the invocation was abandoned before. */
  function signalOf(state: InvocationState): AbortSignal {
    if (state.abort === null) {
      state.abort = new AbortController();
      if (state.abandoned !== null) state.abort.abort(state.abandoned);
    }
    return state.abort.signal;
  }

  return { setEnv, install, start, readBody, pushBody, drain, abandon };
}

function chunkBytes(value: unknown): Uint8Array {
  if (typeof value === "string") return encoder.encode(value);
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  throw new TypeError("ReadableStream chunks of a response body must be Uint8Array, ArrayBuffer or string");
}
