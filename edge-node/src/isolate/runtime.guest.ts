/**
 * Entry of the guest runtime bundle, evaluated once in every new isolate before user
 * code. It captures the host's bridge functions into closures and deletes them from
 * globalThis, installs the web globals, and leaves its entry points for the host under
 * RUNTIME_GLOBAL (the host takes and deletes them before compiling user code).
 */
import { defineGlobal } from "./platform.guest.ts";
import { AbortController, AbortSignal, Event, EventTarget } from "./abort.guest.ts";
import { takeChunks } from "./chunks.guest.ts";
import { CompressionStream, DecompressionStream } from "./compression-streams.guest.ts";
import { createConsole } from "./console.guest.ts";
import { createCrypto, type RandomBytes } from "./crypto.guest.ts";
import { createDispatcher, guestError } from "./dispatch.guest.ts";
import { encodeReply } from "./flat-wire.ts";
import { Headers } from "./headers.guest.ts";
import { installHostServices } from "./host-services.guest.ts";
import { currentInvocation } from "./invocations.guest.ts";
import { BRIDGE_GLOBALS, RUNTIME_GLOBAL, type GuestLogLevel, type RuntimeEntry } from "./protocol.ts";
import { Request, Response } from "./request-response.guest.ts";
import { createQueueMicrotask, createTimers } from "./timers.guest.ts";
import { installWasmLimits } from "./wasm-limits.guest.ts";

const scope = globalThis as unknown as Record<string, unknown>;

function take<T>(name: string): T {
  const value = scope[name];
  delete scope[name];
  if (typeof value !== "function") throw new Error(`bunbase runtime: bridge ${name} missing`);
  return value as T;
}

// Every log line and timer names the invocation it belongs to (see invocations.guest.ts).
const hostLog = take<(level: GuestLogLevel, message: string, stack: string, key: number) => void>(BRIDGE_GLOBALS.log);
const hostTimerStart = take<(id: number, ms: number, key: number) => void>(BRIDGE_GLOBALS.timerStart);
const hostTimerCancel = take<(id: number) => void>(BRIDGE_GLOBALS.timerCancel);
const hostRandom = take<RandomBytes>(BRIDGE_GLOBALS.random);
const hostReply = take<(replies: unknown[]) => void>(BRIDGE_GLOBALS.reply);
const hostBodyPull = take<(key: number) => void>(BRIDGE_GLOBALS.bodyPull);
takeChunks();
const services = installHostServices(scope);
installWasmLimits();

function reportUncaught(error: unknown): void {
  const described = guestError("uncaught", error);
  const stack = described.stack || `${described.name}: ${described.message}`;
  hostLog("error", described.message, stack, currentInvocation());
}

const timers = createTimers(
  { start: (id, ms, key) => hostTimerStart(id, ms, key), cancel: (id) => hostTimerCancel(id) },
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
  CompressionStream,
  DecompressionStream,
  console: createConsole((level, message) => hostLog(level, message, "", currentInvocation())),
  crypto: createCrypto((length) => hostRandom(length), services.subtle),
  process: Object.freeze({ env: envView }),
  performance: Object.freeze({ timeOrigin, now: () => Date.now() - timeOrigin }),
  queueMicrotask: createQueueMicrotask(reportUncaught),
  ...timers.api,
};
for (const [name, value] of Object.entries(globals)) defineGlobal(name, value);

let outbox: unknown[] = [];
// Taken now: user code may replace Promise.prototype.then later.
const then = Promise.prototype.then;
const settled = Promise.resolve();
const queueFlush = (flush: () => void) => void then.call(settled, flush);
function flushReplies(): void {
  const replies = outbox;
  outbox = [];
  hostReply(replies);
}

const dispatcher = createDispatcher({
  setEnv: (env) => {
    currentEnv = env;
  },
  reply: (key, kind, value) => {
    // Answers made in one turn of microtasks cross together: the first one queues the flush,
    // which runs after the answers its siblings make at the same depth.
    if (outbox.length === 0) queueFlush(flushReplies);
    encodeReply(outbox, key, kind, value);
  },
  pullBody: (key) => hostBodyPull(key),
  cancelTimers: timers.cancelFor,
  hasTimers: timers.pendingFor,
});

const entry: RuntimeEntry = {
  setEnv: dispatcher.setEnv,
  install: dispatcher.install,
  start: dispatcher.start,
  readBody: dispatcher.readBody,
  pushBody: dispatcher.pushBody,
  drain: dispatcher.drain,
  abandon: dispatcher.abandon,
  fireTimer: timers.fire,
};
scope[RUNTIME_GLOBAL] = Object.freeze(entry);
