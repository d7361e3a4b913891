/**
 * Entry of the guest runtime bundle, evaluated once in every new isolate before user
 * code. It captures the host's bridge functions into closures and deletes them from
 * globalThis, installs the web globals, and leaves its entry points for the host under
 * RUNTIME_GLOBAL (the host takes and deletes them before compiling user code).
 */
import { defineGlobal } from "./platform.guest.ts";
import { AbortController, AbortSignal, Event, EventTarget } from "./abort.guest.ts";
import { createConsole } from "./console.guest.ts";
import { createCrypto, type RandomBytes } from "./crypto.guest.ts";
import { createDispatcher, guestError } from "./dispatch.guest.ts";
import { Headers } from "./headers.guest.ts";
import { BRIDGE_GLOBALS, RUNTIME_GLOBAL, type GuestLogLevel, type RuntimeEntry } from "./protocol.ts";
import { Request, Response } from "./request-response.guest.ts";
import { createTimers } from "./timers.guest.ts";

const scope = globalThis as unknown as Record<string, unknown>;

function take<T>(name: string): T {
  const value = scope[name];
  delete scope[name];
  if (typeof value !== "function") throw new Error(`bunbase runtime: bridge ${name} missing`);
  return value as T;
}

const hostLog = take<(level: GuestLogLevel, message: string, stack: string) => void>(BRIDGE_GLOBALS.log);
const hostTimerStart = take<(id: number, ms: number) => void>(BRIDGE_GLOBALS.timerStart);
const hostTimerCancel = take<(id: number) => void>(BRIDGE_GLOBALS.timerCancel);
const hostRandom = take<RandomBytes>(BRIDGE_GLOBALS.random);
// core-js keeps its shared state in a global; its modules already hold it in closures.
delete scope["__core-js_shared__"];

function reportUncaught(error: unknown): void {
  const described = guestError("uncaught", error);
  hostLog("error", described.message, described.stack || `${described.name}: ${described.message}`);
}

const timers = createTimers(
  { start: (id, ms) => hostTimerStart(id, ms), cancel: (id) => hostTimerCancel(id) },
  reportUncaught,
);

let currentEnv: Readonly<Record<string, string>> = Object.freeze({});
const envView = new Proxy(Object.create(null) as Record<string, string>, {
  get: (_target, key) => (typeof key === "string" ? currentEnv[key] : undefined),
  has: (_target, key) => typeof key === "string" && Object.hasOwn(currentEnv, key),
  ownKeys: () => Object.keys(currentEnv),
  getOwnPropertyDescriptor: (_target, key) =>
    typeof key === "string" && Object.hasOwn(currentEnv, key)
      ? { value: currentEnv[key], writable: false, enumerable: true, configurable: true }
      : undefined,
  set: () => false,
  defineProperty: () => false,
  deleteProperty: () => false,
  setPrototypeOf: () => false,
});

const timeOrigin = Date.now();
const globals: Record<string, unknown> = {
  Event,
  EventTarget,
  AbortController,
  AbortSignal,
  Headers,
  Request,
  Response,
  console: createConsole((level, message) => hostLog(level, message, "")),
  crypto: createCrypto((length) => hostRandom(length)),
  process: Object.freeze({ env: envView }),
  performance: Object.freeze({ timeOrigin, now: () => Date.now() - timeOrigin }),
  ...timers.api,
};
for (const [name, value] of Object.entries(globals)) defineGlobal(name, value);

const dispatcher = createDispatcher((env) => {
  currentEnv = env;
  // Timers of an earlier invocation died with it (the host dropped its side).
  timers.cancelAll();
}, timers.pending);

const entry: RuntimeEntry = {
  install: dispatcher.install,
  invokeHttp: dispatcher.invokeHttp,
  invokeEvent: dispatcher.invokeEvent,
  async drain() {
    const failures = await dispatcher.drain();
    timers.cancelAll();
    return failures;
  },
  fireTimer: timers.fire,
};
scope[RUNTIME_GLOBAL] = Object.freeze(entry);
