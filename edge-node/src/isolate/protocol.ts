/**
 * The shapes that cross the isolate boundary, shared by the host (`instance.ts`) and the
 * guest runtime (`*.guest.ts`). Types and plain constants only: both sides import it.
 * Everything here crosses as a copy; the host validates what comes back (guest-result.ts).
 */

/** Globals the host sets before the runtime runs; the runtime captures and deletes them. */
export const BRIDGE_GLOBALS = {
  log: "__bunbase_log",
  timerStart: "__bunbase_timer_start",
  timerCancel: "__bunbase_timer_cancel",
  random: "__bunbase_random",
  /** (key, kind, value): an invocation's result, a response-body chunk, or its drained waitUntil failures. */
  reply: "__bunbase_reply",
  /** (key): the guest wants the next request-body chunk of invocation `key`. */
  bodyPull: "__bunbase_body_pull",
} as const;

/**
 * Rarely used parts of the runtime, evaluated in an isolate the first time they are needed
 * (runtime-chunks.ts): their sources reach each isolate as globals named with this prefix,
 * taken by the runtime before any user code runs.
 */
export const CHUNK_NAMES = ["url", "pako", "streams"] as const;
export type ChunkName = (typeof CHUNK_NAMES)[number];
export const CHUNK_GLOBAL_PREFIX = "__bunbase_chunk_";

/** Asynchronous host work (fetch, crypto.subtle): see host-calls.ts and host-calls.guest.ts. */
export const HOST_CALL_GLOBALS = {
  /** (key, op, args) -> call id; the answer comes later through the settle box. */
  call: "__bunbase_host_call",
  /** (kind, id): "abort" a call, "key.release" a CryptoKey handle, "fetch.cancel" a body. No answer. */
  notify: "__bunbase_host_notify",
  /** An object the runtime puts its `settle(id, outcome)` function on. */
  settleBox: "__bunbase_host_settle",
} as const;

export type HostCallOutcome = { ok: true; value: unknown } | { ok: false; name: string; message: string };

/** What a reply carries: "result" (a Guest*Outcome), "chunk" (a GuestChunk), "drained" (GuestError[]). */
export type GuestReplyKind = "result" | "chunk" | "drained";

/**
 * `reply` carries every answer the guest produced in one turn of its microtasks, in order,
 * each a (key, kind, value) flattened by flat-wire.ts: one crossing to the host for many
 * invocations (see dispatch.guest.ts).
 */

/** Handlers to start, in order: `start` takes every invocation the host accepted in one turn of its event loop. */
export type GuestStart =
  [key: number, trigger: "http", input: GuestHttpInput] | [key: number, trigger: "event", input: GuestEventInput];

/** One read of a streamed response body. */
export type GuestChunk = { done: true } | { done: false; value: Uint8Array } | { error: GuestError };

/** Where the runtime leaves its entry points for the host, which takes and deletes them. */
export const RUNTIME_GLOBAL = "__bunbase_runtime";

export type GuestErrorKind = "uncaught" | "bad-return" | "too-big" | "missing-export";

export interface GuestError {
  kind: GuestErrorKind;
  name: string;
  message: string;
  stack: string;
}

export interface GuestHttpInput {
  method: string;
  url: string;
  headers: [string, string][];
  /** The whole body when the host already holds it; else see `streamBody`. */
  body: Uint8Array | null;
  /** The body arrives in chunks: the guest asks with `bodyPull`, the host answers with `pushBody`. */
  streamBody: boolean;
  geo: Record<string, unknown> | null;
  auth: unknown;
  /** The invocation id, `ctx.requestId`: what the error envelope calls `requestId`. */
  requestId: string;
}

export interface GuestEventInput {
  event: Record<string, unknown>;
  /** Another export of the module than the installed one (a trigger's own handler). */
  handler?: string;
}

/**
 * `waiting`: ctx.waitUntil promises or timers are pending, so the host must call drain().
 * `streaming`: the body comes in chunks through readBody() (then `body` is null).
 */
export type GuestHttpOutcome =
  | {
      ok: true;
      waiting: boolean;
      status: number;
      headers: [string, string][];
      body: Uint8Array | null;
      streaming: boolean;
    }
  | { ok: false; waiting: boolean; error: GuestError };

export type GuestEventOutcome =
  { ok: true; waiting: boolean; json: string } | { ok: false; waiting: boolean; error: GuestError };

/**
 * What `globalThis[RUNTIME_GLOBAL]` holds until the host takes it. Every method returns at
 * once (the host counts an entry as running until it returns); answers come back through
 * the `reply` bridge, keyed by the invocation's `key`.
 */
export interface RuntimeEntry {
  /** The env is per instance (the pool keys instances by it). */
  /** The instance's env, set before the user module is evaluated (module scope sees process.env). */
  setEnv(env: Record<string, string>): void;
  install(namespace: Record<string, unknown>, exportName: string, env: Record<string, string>): GuestError | null;
  /** Starts handlers, a batch of GuestStart flattened by flat-wire.ts; each replies "result". */
  start(batch: unknown[]): void;
  /** Next chunk of a streamed response body: replies "chunk". */
  readBody(key: number): void;
  /** A request-body chunk (null with done), or the reason it failed. */
  pushBody(key: number, chunk: Uint8Array | null, done: boolean, error: string | null): void;
  /** Settles ctx.waitUntil promises, cancels leftover timers, forgets the invocation: replies "drained". */
  drain(key: number): void;
  /** Forgets an invocation the host gave up on (timeout, client gone): its timers and streams. */
  abandon(key: number): void;
  fireTimer(id: number): void;
}

/** Log levels a guest may send; console.log/info both arrive as "info". */
export const GUEST_LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type GuestLogLevel = (typeof GUEST_LOG_LEVELS)[number];

/** Largest response or event result a function may return (contract 2.2). */
export const MAX_RESULT_BYTES = 10 * 1024 * 1024;

/** WebAssembly memory per isolate, in 64 KiB pages: 128 MB, the smallest function cap (wasm-limits.guest.ts). */
export const WASM_MAX_PAGES = 2048;

/**
 * What the host answers a guest `fetch` with (host-fetch.ts -> fetch.guest.ts): the head
 * of the response. Its body stays on the host, named by `body`: the guest asks for each
 * chunk with the `fetch.read` operation and drops the rest with notify("fetch.cancel").
 */
export interface FetchAnswer {
  status: number;
  statusText: string;
  headers: [string, string][];
  /** The body's handle, or null when the response has none (HEAD, 204, 304...). */
  body: number | null;
  url: string;
  redirected: boolean;
}

/** The host calls and notifications of a fetched response body (fetch-bodies.ts). */
export const FETCH_BODY_CALLS = {
  /** (handle) -> the next chunk (a Uint8Array), or null at the end. */
  read: "fetch.read",
  /** notify(cancel, handle): the guest no longer wants the body. */
  cancel: "fetch.cancel",
} as const;

/**
 * `rateLimit()` of `@bunbase/functions` (sdk/src/rate-limit.guest.ts): the runtime leaves a
 * frozen, non-enumerable object under `capability` on globalThis whose `take(args)` is the
 * host call `op` (host-rate-limit.ts). sdk/ cannot import this file: a test keeps the
 * SDK's copy of the name equal.
 */
export const RATE_LIMIT_CALL = {
  op: "rateLimit.take",
  capability: "__bunbase_rate_limit",
} as const;

/** What `take` sends: `header` and `value` null to count by the client's address. */
export interface RateLimitTake {
  limit: number;
  windowMs: number;
  header: string | null;
  value: string | null;
}

/** The host's answer, as the config block's RateLimitResult. */
export interface RateLimitVerdict {
  allowed: boolean;
  limit: number;
  remaining: number;
  resetSeconds: number;
}

/**
 * `@bunbase/sdk` (sdk/src/sdk.guest.ts): the runtime leaves a frozen, non-enumerable object
 * under `capability` whose `call(service, method, args)` is the host call `op`
 * (sdk-bridge.ts), which forwards it to the origin as this invocation's function. The
 * answer is an SdkAnswer, never a rejection for a refusal: the SDK throws it with its code.
 */
export const SDK_CALL = {
  op: "sdk.call",
  capability: "__bunbase_sdk",
} as const;

/** What `call` sends: plain JSON in `args`, and the bytes of a storage upload as a Uint8Array. */
export interface SdkCall {
  service: string;
  method: string;
  args: unknown;
}

export type SdkAnswer =
  | { ok: true; value: unknown }
  | { ok: false; error: { code: string; message: string; details?: Record<string, unknown> } };
