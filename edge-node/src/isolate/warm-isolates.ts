/**
 * Pre-warmed isolates: a new isolate with its context, the bridge and the guest runtime
 * already evaluated (~8 ms of CPU), waiting to be handed to a function on its first
 * request, which then only compiles the user module (p50 ~1 ms on this machine, see
 * shared/design/isolate-notes.md). `memoryLimit` is fixed when an isolate is created, so
 * there is one small stock per memory size in use, created on demand and refilled in the
 * background (behind requests at the RunGate), never on a request's path.
 */
import ivm from "isolated-vm";
import "./wasm-ceiling.ts"; // before the first isolate: V8 reads the flag per memory
import { createLogger } from "../../../core/index.ts";
import { HostBridge } from "./host-bridge.ts";
import { encodeStarts } from "./flat-wire.ts";
import { RUNTIME_GLOBAL, type GuestHttpInput } from "./protocol.ts";
import type { RunGate } from "./run-gate.ts";
import { evaluateRuntime } from "./runtime-script.ts";
import type { LogSink } from "./types.ts";

const log = createLogger("isolate");
/** Isolates pre-warmed at once per memory size (each ~8 ms of CPU on this machine). */
const REFILL_PARALLEL = 2;

export const ENTRY_NAMES = [
  "setEnv",
  "install",
  "start",
  "readBody",
  "pushBody",
  "drain",
  "abandon",
  "fireTimer",
] as const;
export type EntryName = (typeof ENTRY_NAMES)[number];
export type Entry = Record<EntryName, ivm.Reference>;

export interface ReadyIsolate {
  isolate: ivm.Isolate;
  context: ivm.Context;
  bridge: HostBridge;
  entry: Entry;
  memoryMb: number;
}

/** A new isolate + context + runtime, its entry points taken. */
export async function createReadyIsolate(memoryMb: number, logSink: LogSink): Promise<ReadyIsolate> {
  const isolate = new ivm.Isolate({ memoryLimit: memoryMb });
  try {
    const context = await isolate.createContext();
    const bridge = new HostBridge(logSink);
    await bridge.install(context);
    await evaluateRuntime(isolate, context);
    const runtime = (await context.global.get(RUNTIME_GLOBAL, { reference: true })) as ivm.Reference;
    await context.global.delete(RUNTIME_GLOBAL);
    // isolated-vm runs an isolate's async tasks in the order they were queued: issuing
    // them together saves a thread round trip per entry.
    const references = await Promise.all(ENTRY_NAMES.map((name) => runtime.get(name, { reference: true })));
    const entry = Object.fromEntries(ENTRY_NAMES.map((name, i) => [name, references[i]])) as Entry;
    runtime.release();
    await exercise(context, entry);
    return { isolate, context, bridge, entry, memoryMb };
  } catch (error) {
    if (!isolate.isDisposed) isolate.dispose();
    throw error;
  }
}

/** Our own stand-in handler: no user code ever runs before the isolate is handed out. */
const EXERCISE_HANDLER = `({ handler: (req) => new Response(req.url, { headers: { "content-type": "text/plain" } }) })`;
const EXERCISE_REQUEST: GuestHttpInput = {
  method: "GET",
  url: "https://prewarm.invalid/",
  headers: [["accept", "*/*"]],
  body: null,
  streamBody: false,
  geo: null,
  auth: null,
  requestId: "prewarm",
};

/**
 * Runs one invocation of a stand-in handler through the runtime (key 0, whose replies the
 * host drops), so V8 has compiled the dispatch path (Request, Headers, Response) before
 * the first real request instead of during it. The real install() replaces the handler.
 */
async function exercise(context: ivm.Context, entry: Entry): Promise<void> {
  const namespace = (await context.eval(EXERCISE_HANDLER, { reference: true })) as ivm.Reference;
  await Promise.all([
    entry.install.apply(undefined, [namespace.derefInto(), "handler", {}], { arguments: { copy: true } }),
    entry.start.apply(undefined, [encodeStarts([[0, "http", EXERCISE_REQUEST]])], { arguments: { copy: true } }),
    entry.abandon.apply(undefined, [0]),
  ]);
  namespace.release();
}

const released = new WeakSet<ReadyIsolate>();

/** Drops our handles into the isolate and disposes it; safe to call more than once. */
export function releaseReadyIsolate(ready: ReadyIsolate): void {
  if (released.has(ready)) return;
  released.add(ready);
  ready.bridge.detach();
  for (const reference of Object.values(ready.entry)) reference.release();
  ready.context.release();
  if (!ready.isolate.isDisposed) ready.isolate.dispose();
}

export class WarmIsolates {
  readonly #logSink: LogSink;
  readonly #gate: RunGate;
  readonly #perSize: number;
  readonly #stock = new Map<number, ReadyIsolate[]>();
  readonly #filling = new Map<number, number>();
  /** Cold starts waiting for an isolate being pre-warmed (null: it failed, make one). */
  readonly #waiters = new Map<number, ((ready: ReadyIsolate | null) => void)[]>();
  #closed = false;

  constructor(logSink: LogSink, gate: RunGate, perSize: number) {
    this.#logSink = logSink;
    this.#gate = gate;
    this.#perSize = perSize;
  }

  /** A ready isolate of this memory size: from stock when there is one (`warm`), else made now. */
  async take(memoryMb: number): Promise<{ ready: ReadyIsolate; warm: boolean }> {
    // The caller refills once its cold start has answered (refill()), not during it:
    // creating an isolate and evaluating the runtime would compete with its compile.
    const stocked = this.#stock.get(memoryMb)?.pop();
    if (stocked !== undefined) return { ready: stocked, warm: true };
    // One being pre-warmed is closer to ready than a new one would be.
    const waiters = this.#waiters.get(memoryMb) ?? [];
    if ((this.#filling.get(memoryMb) ?? 0) > waiters.length) {
      const ready = await new Promise<ReadyIsolate | null>((resolve) => {
        waiters.push(resolve);
        this.#waiters.set(memoryMb, waiters);
      });
      if (ready !== null) return { ready, warm: true };
    }
    return { ready: await this.#create(memoryMb, false), warm: false };
  }

  /**
   * Tops the stock of this size up in the background, at most REFILL_PARALLEL isolates
   * at a time: each holds a background RunGate slot (behind any request), so refills use
   * idle cores after a burst of cold starts and never crowd out requests.
   */
  refill(memoryMb: number): void {
    if (this.#closed || this.#perSize === 0) return;
    for (;;) {
      const filling = this.#filling.get(memoryMb) ?? 0;
      if (filling >= REFILL_PARALLEL || this.#readyOrMaking(memoryMb) >= this.#perSize) return;
      this.#filling.set(memoryMb, filling + 1);
      this.#create(memoryMb, true).then(
        (ready) => {
          this.#stockUp(memoryMb, ready);
          this.refill(memoryMb);
        },
        (error: unknown) => {
          this.#filling.set(memoryMb, (this.#filling.get(memoryMb) ?? 1) - 1);
          this.#waiters.get(memoryMb)?.shift()?.(null);
          log.error({ err: error, memoryMb }, "pre-warming an isolate failed");
        },
      );
    }
  }

  #stockUp(memoryMb: number, ready: ReadyIsolate): void {
    this.#filling.set(memoryMb, (this.#filling.get(memoryMb) ?? 1) - 1);
    if (this.#closed) return releaseReadyIsolate(ready);
    const waiter = this.#waiters.get(memoryMb)?.shift();
    if (waiter !== undefined) return waiter(ready);
    const stock = this.#stock.get(memoryMb) ?? [];
    stock.push(ready);
    this.#stock.set(memoryMb, stock);
  }

  async #create(memoryMb: number, background: boolean): Promise<ReadyIsolate> {
    await this.#gate.acquire(background);
    try {
      return await createReadyIsolate(memoryMb, this.#logSink);
    } finally {
      this.#gate.release();
    }
  }

  /** Fewer than half the stock of this size is ready or being made. */
  low(memoryMb: number): boolean {
    return this.#readyOrMaking(memoryMb) < this.#perSize / 2;
  }

  /** Isolates of this size in stock or being pre-warmed. */
  #readyOrMaking(memoryMb: number): number {
    return (this.#stock.get(memoryMb)?.length ?? 0) + (this.#filling.get(memoryMb) ?? 0);
  }

  /** Isolates in stock (each ~2.5 MB of heap). */
  get size(): number {
    let total = 0;
    for (const stock of this.#stock.values()) total += stock.length;
    return total;
  }

  close(): void {
    this.#closed = true;
    for (const waiters of this.#waiters.values()) for (const waiter of waiters.splice(0)) waiter(null);
    for (const stock of this.#stock.values()) for (const ready of stock.splice(0)) releaseReadyIsolate(ready);
  }
}
