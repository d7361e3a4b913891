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
} as const;

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
  body: Uint8Array | null;
  env: Record<string, string>;
  geo: Record<string, unknown> | null;
  auth: unknown;
}

export interface GuestEventInput {
  event: Record<string, unknown>;
  env: Record<string, string>;
}

/** `waiting`: ctx.waitUntil promises or timers are pending, so the host must call drain(). */
export type GuestHttpOutcome =
  | { ok: true; waiting: boolean; status: number; headers: [string, string][]; body: Uint8Array }
  | { ok: false; waiting: boolean; error: GuestError };

export type GuestEventOutcome =
  { ok: true; waiting: boolean; json: string } | { ok: false; waiting: boolean; error: GuestError };

/** What `globalThis[RUNTIME_GLOBAL]` holds until the host takes it. */
export interface RuntimeEntry {
  install(namespace: Record<string, unknown>, exportName: string, env: Record<string, string>): GuestError | null;
  invokeHttp(input: GuestHttpInput): Promise<GuestHttpOutcome>;
  invokeEvent(input: GuestEventInput): Promise<GuestEventOutcome>;
  /** Settles ctx.waitUntil promises, then cancels leftover timers; returns their failures. */
  drain(): Promise<GuestError[]>;
  fireTimer(id: number): void;
}

/** Log levels a guest may send; console.log/info both arrive as "info". */
export const GUEST_LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type GuestLogLevel = (typeof GUEST_LOG_LEVELS)[number];

/** Largest response or event result a function may return (contract 2.2). */
export const MAX_RESULT_BYTES = 10 * 1024 * 1024;
