/**
 * One instance: an isolate with its context, the guest runtime and one version of a
 * user's bundle, serving one invocation at a time. A host-side watchdog bounds each
 * invocation; when it fires, or when V8 hits the memory limit, the isolate is disposed
 * and the instance is dead (the pool drops it).
 */
import { BunbaseError } from "../../../core/index.ts";
import ivm from "isolated-vm";
import { readEventResult, readGuestError, readHttpResult, readOutcome } from "./guest-result.ts";
import { FailureReport, guestPart } from "./failure-report.ts";
import { HostBridge } from "./host-bridge.ts";
import { RUNTIME_GLOBAL, type GuestEventInput, type GuestHttpInput } from "./protocol.ts";
import { evaluateRuntime } from "./runtime-script.ts";
import type { StackMapper } from "./source-map.ts";
import type { FunctionSource, HttpResult, LogSink } from "./types.ts";

const COPY = { arguments: { copy: true }, result: { promise: true, copy: true } } as const;

interface Entry {
  install: ivm.Reference;
  invokeHttp: ivm.Reference;
  invokeEvent: ivm.Reference;
  drain: ivm.Reference;
}

export function bundleUrl(source: FunctionSource): string {
  return `file:///${encodeURIComponent(source.name)}/bundle.js`;
}

export class FunctionInstance {
  readonly memoryMb: number;
  readonly #source: FunctionSource;
  readonly #bridge: HostBridge;
  readonly #isolate: ivm.Isolate;
  #entry: Entry | null = null;
  readonly #report: FailureReport;
  #context: ivm.Context | null = null;
  #watchdog: NodeJS.Timeout | null = null;
  #timeoutMs = 0;
  /** Which phase the watchdog ended: loading the module (FN_008) or running (FN_002). */
  #expiredIn: "boot" | "run" | null = null;
  #phase: "boot" | "run" = "run";
  /** Disposed by us (pool closing), not by V8's memory limit. */
  #disposedByHost = false;
  #cpuStart = 0n;
  #cpuMs = 0;
  /** The last invocation left ctx.waitUntil work or timers behind. */
  #waiting = true;

  constructor(source: FunctionSource, memoryMb: number, logSink: LogSink, mapper: StackMapper) {
    this.memoryMb = memoryMb;
    this.#source = source;
    this.#bridge = new HostBridge(source, logSink, mapper);
    this.#report = new FailureReport(this.#bridge, mapper);
    this.#isolate = new ivm.Isolate({ memoryLimit: memoryMb });
  }

  get alive(): boolean {
    return !this.#isolate.isDisposed;
  }

  get booted(): boolean {
    return this.#entry !== null;
  }

  /**
   * Starts an invocation: its logs are attributed to it and its watchdog runs. A cold
   * start gets its own `timeoutMs` for loading the module, so a slow boot never eats
   * into the handler's time.
   */
  begin(invocationId: string, timeoutMs: number): void {
    this.#timeoutMs = timeoutMs;
    this.#bridge.startInvocation(invocationId);
    this.#armWatchdog(this.booted ? "run" : "boot");
    this.#cpuStart = this.#readCpu() ?? 0n;
    this.#waiting = true;
  }

  #armWatchdog(phase: "boot" | "run"): void {
    if (this.#watchdog !== null) clearTimeout(this.#watchdog);
    this.#phase = phase;
    this.#watchdog = setTimeout(() => {
      this.#expiredIn = this.#phase;
      this.#bridge.detach();
      this.#isolate.dispose();
    }, this.#timeoutMs);
  }

  /** Context + runtime (isolateMs), then the user module (compileMs). */
  async boot(env: Record<string, string>): Promise<{ isolateMs: number; compileMs: number }> {
    const started = performance.now();
    try {
      const context = await this.#isolate.createContext();
      this.#context = context;
      await this.#bridge.install(context);
      await evaluateRuntime(this.#isolate, context);
      const entry = await this.#takeEntry(context);
      const isolateMs = performance.now() - started;
      await this.#loadModule(context, entry, env);
      this.#entry = entry;
      this.#armWatchdog("run");
      return { isolateMs, compileMs: performance.now() - started - isolateMs };
    } catch (error) {
      throw this.#failure(error);
    }
  }

  async #takeEntry(context: ivm.Context): Promise<Entry> {
    const runtime = (await context.global.get(RUNTIME_GLOBAL, { reference: true })) as ivm.Reference;
    await context.global.delete(RUNTIME_GLOBAL);
    const get = async (name: string) => (await runtime.get(name, { reference: true })) as ivm.Reference;
    const fire = await get("fireTimer");
    this.#bridge.attachTimerTarget(fire);
    return {
      install: await get("install"),
      invokeHttp: await get("invokeHttp"),
      invokeEvent: await get("invokeEvent"),
      drain: await get("drain"),
    };
  }

  async #loadModule(context: ivm.Context, entry: Entry, env: Record<string, string>): Promise<void> {
    const module = await this.#isolate.compileModule(this.#source.code, { filename: bundleUrl(this.#source) });
    await module.instantiate(context, (specifier) => {
      throw new Error(`Cannot import "${specifier}": a function bundle must be self-contained`);
    });
    await module.evaluate();
    const namespace = module.namespace;
    const args = [
      namespace.derefInto(),
      this.#source.exportName,
      new ivm.ExternalCopy(env).copyInto({ release: true }),
    ];
    const problem = await entry.install.apply(undefined, args, { result: { copy: true } });
    namespace.release();
    module.release();
    if (problem !== null) throw this.#report.guest(readGuestError(problem));
  }

  async runHttp(input: GuestHttpInput): Promise<HttpResult> {
    const value = await this.#call("invokeHttp", input);
    return this.#report.refusals(() => {
      const outcome = this.#readOutcome(value);
      if (!outcome.ok) throw this.#report.guest(outcome.error);
      return readHttpResult(outcome.data);
    });
  }

  async runEvent(input: GuestEventInput): Promise<unknown> {
    const value = await this.#call("invokeEvent", input);
    return this.#report.refusals(() => {
      const outcome = this.#readOutcome(value);
      if (!outcome.ok) throw this.#report.guest(outcome.error);
      return readEventResult(outcome.data);
    });
  }

  #readOutcome(value: unknown): ReturnType<typeof readOutcome> {
    const outcome = readOutcome(value);
    this.#waiting = (value as { waiting?: unknown }).waiting !== false;
    return outcome;
  }

  async #call(name: "invokeHttp" | "invokeEvent", input: GuestHttpInput | GuestEventInput): Promise<unknown> {
    if (this.#entry === null) throw new Error("instance not booted");
    try {
      return await this.#entry[name].apply(undefined, [input], COPY);
    } catch (error) {
      throw this.#failure(error);
    } finally {
      this.#cpuMs = this.#cpuSince();
    }
  }

  /**
   * Ends the invocation once its ctx.waitUntil work is done (bounded by the same
   * watchdog). Synchronous when nothing was left behind, so the instance is free at once.
   */
  settle(): Promise<void> | undefined {
    if (this.alive && this.#entry !== null && this.#waiting) return this.#drain();
    this.#end();
    return undefined;
  }

  async #drain(): Promise<void> {
    try {
      if (this.alive && this.#entry !== null) {
        const failures = await this.#entry.drain.apply(undefined, [], COPY);
        if (Array.isArray(failures))
          for (const failure of failures) this.#report.uncaught(readGuestError(failure), "in ctx.waitUntil");
      }
    } catch (error) {
      const failure = this.#failure(error);
      this.#bridge.emit("error", `ctx.waitUntil: ${failure.message}`);
    } finally {
      this.#end();
    }
  }

  #end(): void {
    if (this.#watchdog !== null) clearTimeout(this.#watchdog);
    this.#watchdog = null;
    this.#bridge.endInvocation();
  }

  /** CPU time of the last run and the isolate's heap in use. */
  usage(): { cpuMs: number; memoryMb: number } {
    if (!this.alive) return { cpuMs: this.#cpuMs, memoryMb: this.#expiredIn !== null ? 0 : this.memoryMb };
    const heap = this.#isolate.getHeapStatisticsSync();
    const memoryMb = (heap.used_heap_size + heap.externally_allocated_size) / (1024 * 1024);
    return { cpuMs: this.#cpuMs, memoryMb: Math.round(memoryMb * 10) / 10 };
  }

  dispose(): void {
    this.#bridge.detach();
    this.#releaseEntry();
    this.#context?.release();
    this.#context = null;
    if (this.#isolate.isDisposed) return;
    this.#disposedByHost = true;
    this.#isolate.dispose();
  }

  /** Drops our handles into the isolate now rather than at GC (or worse, at process exit). */
  #releaseEntry(): void {
    if (this.#entry === null) return;
    for (const reference of Object.values(this.#entry)) reference.release();
    this.#entry = null;
  }

  #readCpu(): bigint | null {
    return this.#isolate.isDisposed ? null : this.#isolate.cpuTime;
  }

  #cpuSince(): number {
    const now = this.#readCpu();
    return now === null ? this.#cpuMs : Number(now - this.#cpuStart) / 1e6;
  }

  /** What a failed boot or call means, in the contract's codes. */
  #failure(error: unknown): BunbaseError {
    if (error instanceof BunbaseError) return error;
    if (this.#expiredIn === "boot") {
      return this.#report.limit("FN_008", `Cold start timeout: the module did not load within ${this.#timeoutMs} ms`);
    }
    if (this.#expiredIn === "run") {
      return this.#report.limit("FN_002", `Timeout exceeded: the invocation ran longer than ${this.#timeoutMs} ms`);
    }
    if (this.#disposedByHost) return new BunbaseError("FN_004", "The edge node is shutting down", { status: 503 });
    if (this.#isolate.isDisposed) {
      return this.#report.limit("FN_003", `Memory limit exceeded: the function used more than ${this.memoryMb} MB`);
    }
    // Thrown inside the isolate while compiling, evaluating or copying out.
    const name = error instanceof Error ? error.name : "Error";
    const message = error instanceof Error ? error.message : String(error);
    const stack = error instanceof Error && typeof error.stack === "string" ? guestPart(error.stack) : "";
    return this.#report.guest({ kind: "uncaught", name, message, stack });
  }
}
