/**
 * One instance: a ready isolate (see warm-isolates.ts) running one version of a user's
 * bundle, serving many invocations at once. Every call into the isolate is an "entry"
 * (start a handler, fire a timer, push a body chunk, read one out); the guest answers
 * through the `reply` bridge. Entries take the node-wide RunGate slot while any is
 * running. Limits: each invocation has a wall-clock deadline (FN_002, abandoned: its later
 * work writes nothing); an isolate that does not even take the abandon entry within
 * STUCK_MS is CPU-bound and is disposed (every invocation on it FN_002); V8's memory
 * limit or a heap sample over the cap disposes it too (every invocation on it FN_003).
 */
import { BunbaseError } from "../../../core/index.ts";
import ivm from "isolated-vm";
import type { CodeCache } from "./code-cache.ts";
import { FailureReport, guestPart, type Say } from "./failure-report.ts";
import { readChunk, readEventResult, readGuestError, readHttpHead, readOutcome, tooBig } from "./guest-result.ts";
import type { BridgeTarget, HostBridge } from "./host-bridge.ts";
import type { NetworkRules } from "./host-services.ts";
import { encodeStarts } from "./flat-wire.ts";
import { MAX_RESULT_BYTES, type GuestEventInput, type GuestHttpInput, type GuestStart } from "./protocol.ts";
import { RequestBodyFeed } from "./request-body.ts";
import type { RunGate } from "./run-gate.ts";
import type { StackMapper } from "./source-map.ts";
import type { FunctionSource, HttpResult, LogSink } from "./types.ts";
import { releaseReadyIsolate, type EntryName, type ReadyIsolate } from "./warm-isolates.ts";

/** How long a healthy isolate may take to run the abandon entry of a timed-out invocation. */
const STUCK_MS = 250;
const HEAP_SAMPLE_MS = 250;
const COPY = { arguments: { copy: true } } as const;

export function bundleUrl(source: FunctionSource): string {
  return `file:///${encodeURIComponent(source.name)}/bundle.js`;
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

const ignore = (): void => undefined;

/** `awaited`: the caller awaits it at once, so a rejection can never go unhandled. */
function deferred<T>(awaited = false): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((yes, no) => {
    resolve = yes;
    reject = no;
  });
  if (!awaited) promise.catch(ignore); // rejections are read by whoever awaits; never unhandled
  return { promise, resolve, reject };
}

/**
 * The invocation's own log line writer. Made here, unnamed: tsx (esbuild's keepNames) gives
 * a closure written as `say: (...) => ...` a name with Object.defineProperty on every call.
 */
function sayFor(bridge: HostBridge, key: number): Say {
  return (level, message, fields) => bridge.emit(key, level, message, fields);
}

interface Invocation {
  key: number;
  invocationId: string;
  timeoutMs: number;
  /** performance.now() past which it has failed (FN_002); see #sweep. */
  deadline: number;
  phase: "run" | "stream" | "drain";
  result: Deferred<unknown>;
  chunk: Deferred<unknown> | null;
  drained: Deferred<unknown> | null;
  /** Made when the caller must wait for the end (streamed body, waitUntil); resolved once it is over; never rejects. */
  ended: Deferred<void> | null;
  feed: RequestBodyFeed | null;
  cpuShareAtStart: number;
  cpuMs: number;
  say: Say;
}

export interface RunResult<T> {
  value: T;
  cpuMs: number;
  /** Resolves when the invocation is completely over (streamed body and waitUntil included); null: it already is. */
  ended: Promise<void> | null;
}

export class FunctionInstance implements BridgeTarget {
  readonly memoryMb: number;
  readonly source: FunctionSource;
  readonly #ready: ReadyIsolate;
  readonly #gate: RunGate;
  readonly #logSink: LogSink;
  readonly #report: FailureReport;
  readonly #inflight = new Map<number, Invocation>();
  #nextKey = 1;
  /** Entries issued and not yet returned; while > 0 the instance holds a RunGate slot. */
  #outstanding = 0;
  #slot: Promise<void> | null = null;
  #disposedByHost = false;
  #death: BunbaseError | null = null;
  #heapBytes = 0;
  #sampler: NodeJS.Timeout | null = null;
  /** CPU time apportioned to each in-flight invocation so far (ms), see #accountCpu. */
  #cpuShare = 0;
  #cpuSeen = 0n;
  lastUsed = performance.now();

  constructor(ready: ReadyIsolate, source: FunctionSource, mapper: StackMapper, gate: RunGate, logSink: LogSink) {
    this.#ready = ready;
    this.memoryMb = ready.memoryMb;
    this.source = source;
    this.#gate = gate;
    this.#logSink = logSink;
    this.#report = new FailureReport(mapper);
    ready.bridge.bind(source, mapper, this);
  }

  get alive(): boolean {
    return this.#death === null && !this.#ready.isolate.isDisposed;
  }

  get inFlight(): number {
    return this.#inflight.size;
  }

  /** Heap in use at the last sample (V8 heap + ArrayBuffers), in bytes. */
  get heapBytes(): number {
    return this.#heapBytes;
  }

  /**
   * Compiles, instantiates and evaluates the user module, with our V8 code cache for this
   * bundle when there is one. `timeoutMs` bounds it (FN_008); its failures are logged to
   * `invocationId`, the invocation that triggered the cold start.
   */
  async load(env: Record<string, string>, cache: CodeCache, timeoutMs: number, invocationId: string): Promise<void> {
    const say = this.#sayTo(invocationId);
    let expired = false;
    const timer = setTimeout(() => {
      expired = true;
      this.#dispose();
    }, timeoutMs);
    try {
      await this.#withSlot(() => this.#compileAndInstall(env, cache, say));
      // Sampled after the first answer, not before: one thread round trip off the cold start.
      void this.#sampleHeap().then((bytes) => {
        if (this.#heapBytes === 0) this.#heapBytes = bytes;
      });
    } catch (error) {
      this.#dispose();
      if (expired) {
        throw this.#report.limit(say, "FN_008", `Cold start timeout: the module did not load within ${timeoutMs} ms`);
      }
      throw this.#failure(error, say);
    } finally {
      clearTimeout(timer);
    }
  }

  async #compileAndInstall(env: Record<string, string>, cache: CodeCache, say: Say): Promise<void> {
    const { isolate, context, entry } = this.#ready;
    const cached = await cache.get(this.source.bundleHash);
    const cachedData = cached === undefined ? undefined : new ivm.ExternalCopy(cached.buffer as ArrayBuffer);
    // compileModule takes the same cache options as compileScript (isolated-vm's typings omit them).
    const options = {
      filename: bundleUrl(this.source),
      ...(cachedData === undefined ? { produceCachedData: true } : { cachedData }),
    } as ivm.CompileModuleOptions;
    const module = (await isolate.compileModule(this.source.code, options)) as ivm.Module &
      ivm.CachedDataResult & { cachedDataRejected?: boolean };
    cachedData?.release();
    this.codeCache = cachedData === undefined ? "produced" : module.cachedDataRejected ? "rejected" : "used";
    if (module.cachedDataRejected === true) cache.drop(this.source.bundleHash);
    if (module.cachedData !== undefined) {
      cache.set(this.source.bundleHash, new Uint8Array(module.cachedData.copy()));
      module.cachedData.release();
    }
    await module.instantiate(context, (specifier) => {
      throw new Error(`Cannot import "${specifier}": a function bundle must be self-contained`);
    });
    // Queued before evaluate (isolated-vm runs an isolate's tasks in order), not waited for.
    entry.setEnv.applyIgnored(undefined, [new ivm.ExternalCopy(env).copyInto({ release: true })]);
    await module.evaluate();
    const namespace = module.namespace;
    const args = [namespace.derefInto(), this.source.exportName, new ivm.ExternalCopy(env).copyInto({ release: true })];
    const problem = await entry.install.apply(undefined, args, { result: { copy: true } });
    namespace.release();
    module.release();
    if (problem !== null) throw this.#report.guest(say, readGuestError(problem));
  }

  /** How load() compiled: with our code cache ("used"), without one ("produced" it), or V8 refused it. */
  codeCache: "produced" | "used" | "rejected" = "produced";

  async runHttp(
    invocationId: string,
    timeoutMs: number,
    input: GuestHttpInput,
    body: RequestBodyFeed | null,
    network?: NetworkRules,
  ) {
    const invocation = this.#open(invocationId, timeoutMs, network);
    invocation.feed = body;
    try {
      this.#start(invocation, [invocation.key, "http", input]);
      const value = await invocation.result.promise.catch((error: unknown) => {
        throw body?.failure ?? error;
      });
      // The server cut the body (413): that is the answer, whatever the handler made of it.
      if (body?.failure) throw body.failure;
      const head = this.#report.refusals(invocation.say, () => {
        const outcome = readOutcome(value);
        if (!outcome.ok) throw this.#report.guest(invocation.say, outcome.error);
        return readHttpHead(outcome.data);
      });
      const waiting = (value as { waiting?: unknown }).waiting !== false;
      const result: HttpResult = {
        status: head.status,
        headers: head.headers,
        body: head.body ?? this.#streamOut(invocation),
      };
      if (head.body !== null) this.#settle(invocation, waiting);
      return this.#done(invocation, result);
    } catch (error) {
      throw this.#fail(invocation, error);
    }
  }

  async runEvent(invocationId: string, timeoutMs: number, input: GuestEventInput, network?: NetworkRules) {
    const invocation = this.#open(invocationId, timeoutMs, network);
    try {
      this.#start(invocation, [invocation.key, "event", input]);
      const value = await invocation.result.promise;
      const result = this.#report.refusals(invocation.say, () => {
        const outcome = readOutcome(value);
        if (!outcome.ok) throw this.#report.guest(invocation.say, outcome.error);
        return readEventResult(outcome.data);
      });
      this.#settle(invocation, (value as { waiting?: unknown }).waiting !== false);
      return this.#done(invocation, result);
    } catch (error) {
      throw this.#fail(invocation, error);
    }
  }

  /**
   * Starts a handler. Not awaited: the entry may never return (a CPU loop), and the
   * invocation's answer comes through reply() or its deadline, whichever is first.
   * Handlers accepted in one turn of the event loop start together, in one `start` entry
   * (under load many requests arrive per turn: one crossing into the isolate for all).
   */
  #start(invocation: Invocation, start: GuestStart): void {
    this.#starting.push(start);
    if (this.#starting.length === 1) setImmediate(this.#startBatch);
  }

  #starting: GuestStart[] = [];

  readonly #startBatch = (): void => {
    // An invocation given up on meanwhile (its deadline, the client gone) is not started.
    const batch = this.#starting.filter(([key]) => this.#inflight.has(key));
    this.#starting = [];
    if (batch.length === 0) return;
    this.#enter("start", [encodeStarts(batch)], COPY).catch((error: unknown) => {
      for (const [key] of batch) this.#inflight.get(key)?.result.reject(error);
    });
  };

  #open(invocationId: string, timeoutMs: number, network?: NetworkRules): Invocation {
    if (!this.alive) throw this.#death ?? new BunbaseError("FN_004", "The instance is gone", { status: 503 });
    this.#accountCpu();
    const key = this.#nextKey++;
    const invocation: Invocation = {
      key,
      invocationId,
      timeoutMs,
      deadline: performance.now() + timeoutMs,
      phase: "run",
      result: deferred(true),
      chunk: null,
      drained: null,
      ended: null,
      feed: null,
      cpuShareAtStart: this.#cpuShare,
      cpuMs: 0,
      say: sayFor(this.#ready.bridge, key),
    };
    // fetch: the egress rules, and the invocation's end as the deadline of its subrequests.
    this.#ready.bridge.startInvocation(key, invocationId, network, Date.now() + timeoutMs);
    this.#inflight.set(key, invocation);
    this.lastUsed = performance.now();
    this.#startSampler();
    this.#sweepBy(invocation.deadline);
    return invocation;
  }

  /**
   * Deadlines: one timer per instance, due at the earliest deadline of what is in flight,
   * rather than a timer per invocation (a Timeout made and cancelled per request). It is
   * moved only to an earlier deadline; when it fires it fails what is past its deadline and
   * comes back for the next one. It goes when nothing is in flight (it keeps the process up).
   */
  #sweepBy(deadline: number): void {
    if (deadline >= this.#sweepAt) return;
    if (this.#sweeper !== null) clearTimeout(this.#sweeper);
    this.#sweepAt = deadline;
    this.#sweeper = setTimeout(this.#sweep, Math.max(0, deadline - performance.now()));
  }

  #sweepAt = Infinity;
  #sweeper: NodeJS.Timeout | null = null;

  readonly #sweep = (): void => {
    this.#sweeper = null;
    this.#sweepAt = Infinity;
    const now = performance.now();
    let next = Infinity;
    for (const invocation of [...this.#inflight.values()]) {
      if (!this.#inflight.has(invocation.key)) continue;
      if (invocation.deadline <= now) this.#expire(invocation);
      else next = Math.min(next, invocation.deadline);
    }
    if (next !== Infinity && this.#inflight.size > 0) this.#sweepBy(next);
  };

  #done<T>(invocation: Invocation, value: T): RunResult<T> {
    // Most invocations are over by now (buffered body, no waitUntil): nothing to wait for.
    if (!this.#inflight.has(invocation.key)) return { value, cpuMs: invocation.cpuMs, ended: null };
    this.#accountCpu();
    invocation.ended ??= deferred();
    return { value, cpuMs: this.#cpuShare - invocation.cpuShareAtStart, ended: invocation.ended.promise };
  }

  /** The invocation failed: wraps the error, ends it (a failed one has no waitUntil to wait for). */
  #fail(invocation: Invocation, error: unknown): BunbaseError {
    const failure = this.#failure(error, invocation.say);
    this.#end(invocation);
    return failure;
  }

  /** After the response: wait for ctx.waitUntil (bounded by the same deadline), then end. */
  #settle(invocation: Invocation, waiting: boolean): void {
    if (!waiting || !this.alive) return this.#end(invocation);
    invocation.phase = "drain";
    invocation.drained = deferred();
    this.#enter("drain", [invocation.key]).catch((error: unknown) => invocation.drained?.reject(error));
    invocation.drained.promise.then(
      (failures) => {
        if (Array.isArray(failures)) {
          for (const failure of failures) {
            this.#report.uncaught(invocation.say, readGuestError(failure), "in ctx.waitUntil");
          }
        }
        this.#end(invocation);
      },
      (error: unknown) => {
        const failure = this.#failure(error, () => undefined);
        invocation.say("error", `ctx.waitUntil: ${failure.message}`);
        this.#end(invocation);
      },
    );
  }

  /**
   * The response body as it comes out of the guest, one readBody entry per chunk; cut
   * (FN_004) past MAX_RESULT_BYTES. Whoever holds the result must either read it to the
   * end or call return() (client gone, HEAD): that abandons the invocation.
   */
  #streamOut(invocation: Invocation): AsyncIterable<Uint8Array> {
    invocation.phase = "stream";
    let total = 0;
    let over = false;
    const next = async (): Promise<IteratorResult<Uint8Array>> => {
      if (over) return { done: true, value: undefined };
      try {
        const pending = deferred<unknown>();
        invocation.chunk = pending;
        this.#enter("readBody", [invocation.key]).catch((error: unknown) => pending.reject(error));
        const chunk = readChunk(await pending.promise);
        invocation.chunk = null;
        if ("error" in chunk) throw this.#report.guest(invocation.say, chunk.error);
        if (chunk.done) {
          over = true;
          this.#settle(invocation, true);
          return { done: true, value: undefined };
        }
        total += chunk.value.byteLength;
        if (total > MAX_RESULT_BYTES) throw this.#report.logged(invocation.say, tooBig());
        return { done: false, value: chunk.value };
      } catch (error) {
        over = true;
        const failure = this.#failure(error, invocation.say);
        this.#abandon(invocation);
        throw failure;
      }
    };
    const stop = async (): Promise<IteratorResult<Uint8Array>> => {
      if (!over) {
        over = true;
        this.#abandon(invocation);
      }
      return { done: true, value: undefined };
    };
    return { [Symbol.asyncIterator]: () => ({ next, return: stop }) };
  }

  /** Called by the bridge: the guest answered an entry of invocation `key`. */
  reply(key: number, kind: unknown, value: unknown): void {
    const invocation = this.#inflight.get(key);
    if (invocation === undefined) return;
    if (kind === "result") invocation.result.resolve(value);
    else if (kind === "chunk") invocation.chunk?.resolve(value);
    else if (kind === "drained") invocation.drained?.resolve(value);
  }

  /** Called by the bridge: the guest wants the next request-body chunk. */
  bodyPull(key: number): void {
    const invocation = this.#inflight.get(key);
    const feed = invocation?.feed;
    if (invocation === undefined || feed === null || feed === undefined) return;
    void feed.next().then((step) => {
      if (!this.#inflight.has(key)) return;
      this.#enter("pushBody", step.args(key)).catch((error: unknown) => this.#onEntryError(error));
    });
  }

  fireTimer(id: number): void {
    this.#enter("fireTimer", [id]).catch((error: unknown) => this.#onEntryError(error));
  }

  /** One call into the isolate; it holds the instance's RunGate slot while it runs. */
  async #enter(name: EntryName, args: unknown[], options?: ivm.ReferenceApplyOptions): Promise<void> {
    if (this.#outstanding++ === 0) this.#slot = this.#gate.acquire();
    try {
      await this.#slot;
      if (!this.alive) throw this.#death ?? new BunbaseError("FN_004", "The instance is gone", { status: 503 });
      await this.#ready.entry[name].apply(undefined, args, options);
    } catch (error) {
      this.#onEntryError(error);
      throw error;
    } finally {
      if (--this.#outstanding === 0) {
        this.#slot = null;
        this.#gate.release();
      }
    }
  }

  /** For the bridge: a host-call answer enters like any entry (RunGate slot, alive check). */
  enter(work: () => Promise<unknown>): Promise<unknown> {
    return this.#withSlot(async () => {
      if (!this.alive) throw this.#death ?? new BunbaseError("FN_004", "The instance is gone", { status: 503 });
      return work();
    });
  }

  async #withSlot<T>(work: () => Promise<T>): Promise<T> {
    if (this.#outstanding++ === 0) this.#slot = this.#gate.acquire();
    try {
      await this.#slot;
      return await work();
    } finally {
      if (--this.#outstanding === 0) {
        this.#slot = null;
        this.#gate.release();
      }
    }
  }

  /** An entry failed: if the isolate is gone and we did not dispose it, V8 hit the memory limit. */
  #onEntryError(_error: unknown): void {
    if (this.#death === null && this.#ready.isolate.isDisposed && !this.#disposedByHost) this.#dieOfMemory();
  }

  #expire(invocation: Invocation): void {
    if (!this.#inflight.has(invocation.key)) return;
    const message = `Timeout exceeded: the invocation ran longer than ${invocation.timeoutMs} ms`;
    const failure =
      invocation.phase === "drain"
        ? new BunbaseError("FN_002", message)
        : this.#report.limit(invocation.say, "FN_002", message);
    if (invocation.phase === "drain") invocation.say("error", `ctx.waitUntil: ${message}`);
    this.#rejectAll(invocation, failure);
    this.#abandon(invocation);
  }

  /**
   * Gives up on an invocation: the host forgets it at once (later logs, timers and replies
   * of it go nowhere), the guest is told to drop it. If the isolate does not even take
   * that entry within STUCK_MS, something on it is spinning: dispose it.
   */
  #abandon(invocation: Invocation): void {
    this.#end(invocation);
    if (!this.alive) return;
    let answered!: () => void;
    const probe = new Promise<void>((resolve) => (answered = resolve));
    const stuck = setTimeout(() => {
      this.#kill("FN_002", "another invocation on the same isolate kept the CPU past its time limit");
      answered();
    }, STUCK_MS);
    this.#enter("abandon", [invocation.key])
      .catch(() => undefined)
      .finally(() => {
        clearTimeout(stuck);
        answered();
      });
    const previous = this.#probing;
    this.#probing = Promise.all([previous, probe]).then(() => {
      if (this.#probing === current) this.#probing = null;
    });
    const current = this.#probing;
  }

  /** While set, the isolate may be stuck: new invocations wait for it (see #abandon). */
  #probing: Promise<void> | null = null;

  /** A stuck-check is running: wait for checked() before handing the instance out. */
  get probing(): boolean {
    return this.#probing !== null;
  }

  /** Resolves when the instance is known not to be stuck (or is dead: check `alive` after). */
  async checked(): Promise<void> {
    while (this.#probing !== null) await this.#probing;
  }

  #end(invocation: Invocation): void {
    if (!this.#inflight.has(invocation.key)) return;
    this.#accountCpu();
    invocation.cpuMs = this.#cpuShare - invocation.cpuShareAtStart;
    this.#inflight.delete(invocation.key);
    if (this.#inflight.size === 0 && this.#sweeper !== null) {
      clearTimeout(this.#sweeper);
      this.#sweeper = null;
      this.#sweepAt = Infinity;
    }
    this.#ready.bridge.endInvocation(invocation.key);
    invocation.feed?.close();
    this.lastUsed = performance.now();
    invocation.ended?.resolve();
  }

  #rejectAll(invocation: Invocation, failure: BunbaseError): void {
    invocation.result.reject(failure);
    invocation.chunk?.reject(failure);
    invocation.drained?.reject(failure);
  }

  #dieOfMemory(): void {
    this.#kill("FN_003", `Memory limit exceeded: the function used more than ${this.memoryMb} MB`);
  }

  /** The isolate must go: every invocation on it fails with `code`, each with its own log line. */
  #kill(code: "FN_002" | "FN_003", reason: string): void {
    if (this.#death !== null) return;
    const death = new BunbaseError(code, code === "FN_003" ? reason : `Timeout exceeded: ${reason}`);
    this.#death = death;
    this.#dispose();
    for (const invocation of [...this.#inflight.values()]) {
      const failure = this.#report.limit(invocation.say, code, death.message);
      this.#rejectAll(invocation, failure);
      this.#end(invocation);
    }
  }

  /**
   * CPU accounting: whenever the number of invocations in flight changes, the isolate's CPU
   * time since the last change is split evenly between the invocations that were in
   * flight. Exact for an invocation running alone, an approximation under concurrency.
   */
  #accountCpu(): void {
    if (this.#ready.isolate.isDisposed) return;
    const now = this.#ready.isolate.cpuTime;
    const count = this.#inflight.size;
    if (count > 0) this.#cpuShare += Number(now - this.#cpuSeen) / 1e6 / count;
    this.#cpuSeen = now;
  }

  #startSampler(): void {
    if (this.#sampler !== null) return;
    this.#sampler = setInterval(() => void this.#checkHeap(), HEAP_SAMPLE_MS);
    this.#sampler.unref();
  }

  #stopSampler(): void {
    if (this.#sampler !== null) clearInterval(this.#sampler);
    this.#sampler = null;
  }

  /**
   * Disposes an instance over its cap before V8 gets to abort (ArrayBuffers count too).
   * The sampler ticks while invocations run and stops at the first tick that finds none:
   * stopping it whenever the count touched zero would, under steady load that comes in
   * waves, restart its interval before it ever fired.
   */
  async #checkHeap(): Promise<void> {
    if (this.#ready.isolate.isDisposed) {
      if (!this.#disposedByHost) this.#dieOfMemory();
      return;
    }
    if (this.#inflight.size === 0) this.#stopSampler();
    const bytes = await this.#sampleHeap();
    this.#heapBytes = bytes;
    if (bytes > this.memoryMb * 1024 * 1024) this.#dieOfMemory();
  }

  async #sampleHeap(): Promise<number> {
    try {
      const heap = await this.#ready.isolate.getHeapStatistics();
      return heap.used_heap_size + heap.externally_allocated_size;
    } catch {
      return this.#heapBytes; // disposed meanwhile: the caller finds out from isDisposed
    }
  }

  /** Heap of the last sample in MB, for InvocationMeta. */
  get memoryMbUsed(): number {
    return Math.round((this.#heapBytes / (1024 * 1024)) * 10) / 10;
  }

  #sayTo(invocationId: string): Say {
    return (level, message, fields) => {
      const log = { level, message, invocationId, time: new Date().toISOString(), ...(fields ? { fields } : {}) };
      try {
        this.#logSink(log, this.source);
      } catch {
        // a failing sink must not turn a cold start failure into a different one
      }
    };
  }

  /** Refuses new work; in-flight invocations fail (the pool only disposes idle instances or when closing). */
  dispose(): void {
    if (this.#death === null)
      this.#death = new BunbaseError("FN_004", "The edge node is shutting down", { status: 503 });
    for (const invocation of [...this.#inflight.values()]) {
      this.#rejectAll(invocation, this.#death);
      this.#end(invocation);
    }
    this.#dispose();
  }

  #dispose(): void {
    this.#stopSampler();
    if (!this.#ready.isolate.isDisposed) this.#disposedByHost = true;
    releaseReadyIsolate(this.#ready);
  }

  /** What a failed entry or load means, in the contract's codes. */
  #failure(error: unknown, say: Say): BunbaseError {
    if (error instanceof BunbaseError) return error;
    if (this.#death !== null) return this.#death;
    if (this.#ready.isolate.isDisposed && !this.#disposedByHost) {
      this.#dieOfMemory();
      return this.#death ?? new BunbaseError("FN_003", "Memory limit exceeded");
    }
    // Thrown inside the isolate while compiling, evaluating or copying out.
    const name = error instanceof Error ? error.name : "Error";
    const message = error instanceof Error ? error.message : String(error);
    const stack = error instanceof Error && typeof error.stack === "string" ? guestPart(error.stack) : "";
    return this.#report.guest(say, { kind: "uncaught", name, message, stack });
  }
}
