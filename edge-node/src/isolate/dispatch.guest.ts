/**
 * Picks the user's handler out of the module namespace and runs one invocation of it:
 * builds the Request (or passes the event), calls the handler in the shape it was written
 * for (contract section 4), and turns what comes back into a copyable outcome.
 */
import { BodyTooLargeError } from "./body.guest.ts";
import type {
  GuestError,
  GuestErrorKind,
  GuestEventInput,
  GuestEventOutcome,
  GuestHttpInput,
  GuestHttpOutcome,
} from "./protocol.ts";
import { MAX_RESULT_BYTES } from "./protocol.ts";
import { Request, Response } from "./request-response.guest.ts";

type Handler = (...args: unknown[]) => unknown;
interface FetchObject {
  fetch: Handler;
}

const allSettled = Promise.allSettled.bind(Promise);
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

export function createDispatcher(setEnv: (env: Readonly<Record<string, string>>) => void, hasTimers: () => boolean) {
  let target: Handler | FetchObject | null = null;
  let pending: Promise<unknown>[] = [];

  function waitUntil(promise: unknown): void {
    pending.push(Promise.resolve(promise));
  }

  function begin(env: Record<string, string>): Readonly<Record<string, string>> {
    const frozen = freeze({ ...env });
    setEnv(frozen);
    pending = [];
    return frozen;
  }

  function install(
    namespace: Record<string, unknown>,
    exportName: string,
    env: Record<string, string>,
  ): GuestError | null {
    begin(env);
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

  async function invokeHttp(input: GuestHttpInput): Promise<GuestHttpOutcome> {
    const outcome = await runHttp(input);
    return { ...outcome, waiting: pending.length > 0 || hasTimers() };
  }

  async function invokeEvent(input: GuestEventInput): Promise<GuestEventOutcome> {
    const outcome = await runEvent(input);
    return { ...outcome, waiting: pending.length > 0 || hasTimers() };
  }

  type Outcome<T> = T extends unknown ? Omit<T, "waiting"> : never;

  async function runHttp(input: GuestHttpInput): Promise<Outcome<GuestHttpOutcome>> {
    const env = begin(input.env);
    let result: unknown;
    try {
      const request = new Request(input.url, { method: input.method, headers: input.headers, body: input.body });
      if (typeof target === "function") {
        result = await target(request, freeze({ env, geo: input.geo, auth: input.auth, waitUntil }));
      } else if (target !== null) {
        const ctx = freeze({ waitUntil, passThroughOnException() {} });
        result = await target.fetch(request, env, ctx);
      }
    } catch (error) {
      return { ok: false, error: guestError("uncaught", error) };
    }
    if (!(result instanceof Response)) {
      return {
        ok: false,
        error: guestError("bad-return", new TypeError(`handler returned ${typeName(result)}, expected a Response`)),
      };
    }
    try {
      const body = await result.consumeBytes(MAX_RESULT_BYTES);
      return { ok: true, status: result.status, headers: [...result.headers], body };
    } catch (error) {
      return { ok: false, error: guestError(error instanceof BodyTooLargeError ? "too-big" : "uncaught", error) };
    }
  }

  async function runEvent(input: GuestEventInput): Promise<Outcome<GuestEventOutcome>> {
    const env = begin(input.env);
    if (typeof target !== "function") {
      return {
        ok: false,
        error: guestError("missing-export", new TypeError("the export is not a function, so it cannot handle events")),
      };
    }
    let result: unknown;
    try {
      result = await target(input.event, freeze({ env, waitUntil }));
    } catch (error) {
      return { ok: false, error: guestError("uncaught", error) };
    }
    try {
      const json = result === undefined ? "null" : JSON.stringify(result);
      if (typeof json !== "string") throw new TypeError(`a ${typeName(result)} is not JSON`);
      if (json.length > MAX_RESULT_BYTES)
        return { ok: false, error: guestError("too-big", new Error(`result exceeds ${MAX_RESULT_BYTES} bytes`)) };
      return { ok: true, json };
    } catch (error) {
      const message = read(error, "message");
      return { ok: false, error: guestError("bad-return", new TypeError(`bad return value: ${String(message)}`)) };
    }
  }

  /** Waits for ctx.waitUntil promises, including ones added while waiting. */
  async function drain(): Promise<GuestError[]> {
    const failures: GuestError[] = [];
    while (pending.length > 0) {
      const batch = pending;
      pending = [];
      for (const outcome of await allSettled(batch)) {
        if (outcome.status === "rejected") failures.push(guestError("uncaught", outcome.reason));
      }
    }
    return failures;
  }

  return { install, invokeHttp, invokeEvent, drain };
}
