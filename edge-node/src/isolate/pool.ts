/**
 * IsolatePool: one instance per (function, version, bundle, memory size, env), serving up
 * to `maxConcurrency` invocations at once, a bounded queue beyond (FN_007). Cold starts
 * take a pre-warmed isolate and compile the user module with our code cache. Instances
 * are kept in LRU order: idle ones are evicted after `idleMs`, or earlier when the
 * node-wide heap budget needs room; pinned ones (prewarm, scaling.minInstances) stay.
 */
import { createHash } from "node:crypto";
import { BunbaseError, Memo } from "../../../core/index.ts";
import { Admission } from "./admission.ts";
import { CodeCache } from "./code-cache.ts";
import type { NetworkRules } from "./host-services.ts";
import { ownBytes } from "./host-calls.ts";
import { FunctionInstance, bundleUrl, type RunResult } from "./instance.ts";
import { emptyMeta, toInvocationFailure } from "./invocation-failure.ts";
import type { GuestHttpInput } from "./protocol.ts";
import { RequestBodyFeed } from "./request-body.ts";
import { RunGate } from "./run-gate.ts";
import type { SdkOrigin } from "./sdk-bridge.ts";
import { bundleRuntime } from "./runtime-script.ts";
import { StackMapper } from "./source-map.ts";
import { collectIsolateGarbage } from "./teardown-gc.ts";
import type {
  EventInput,
  FunctionSource,
  HttpRequestInput,
  HttpResult,
  EgressOptions,
  InstanceLimits,
  InvocationMeta,
  IsolatePoolOptions,
  LogSink,
  PoolStats,
  RateLimitCounter,
} from "./types.ts";
import { WarmIsolates } from "./warm-isolates.ts";

/** One function version with one env and memory size, and its (single) instance. */
interface VersionPool {
  key: string;
  source: FunctionSource;
  env: Record<string, string>;
  memoryMb: number;
  mapper: StackMapper;
  admission: Admission;
  instance: FunctionInstance | null;
  loading: Promise<FunctionInstance> | null;
  idleTimer: NodeJS.Timeout | null;
  /** Evicted or superseded: dropped as soon as nothing runs on it. */
  draining: boolean;
  /** prewarm()ed (scaling.minInstances): exempt from idle and budget eviction. */
  pinned: boolean;
}

interface Acquired {
  instance: FunctionInstance;
  cold: boolean;
  isolateMs: number;
  compileMs: number;
}

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const MB = 1024 * 1024;
/** What a new instance is assumed to add before its first heap sample. */
const NEW_INSTANCE_BYTES = 3 * MB;
/** Cold-start quiet time after which the pre-warmed stock is topped up. */
const REFILL_QUIET_MS = 20;
/** The function config's default `memory`: the size whose isolates are stocked at start. */
const DEFAULT_MEMORY_MB = 128;

const round = (ms: number) => Math.round(ms * 100) / 100;

/** Env objects come from the config snapshot and are reused request after request. */
const envHashes = new WeakMap<Record<string, string>, string>();

function envHash(env: Record<string, string>): string {
  let hash = envHashes.get(env);
  if (hash === undefined) {
    hash = hashEnv(env);
    envHashes.set(env, hash);
  }
  return hash;
}

/** The request URL as WHATWG URL spells it (null: not a URL), computed once per URL seen often. */
const hrefs = new Memo<string | null>();
const canonicalHref = (url: string): string | null => URL.parse(url)?.href ?? null;

/** The last key made per source: the same string object each request, its hash computed once. */
const poolKeys = new WeakMap<FunctionSource, { memoryMb: number; env: Record<string, string>; key: string }>();

function poolKey(source: FunctionSource, memoryMb: number, env: Record<string, string>): string {
  const known = poolKeys.get(source);
  if (known !== undefined && known.memoryMb === memoryMb && known.env === env) return known.key;
  const key = `${source.functionId}@${source.version}#${source.bundleHash}/${memoryMb}/${envHash(env)}`;
  poolKeys.set(source, { memoryMb, env, key });
  return key;
}

function hashEnv(env: Record<string, string>): string {
  const sorted = Object.keys(env)
    .sort()
    .map((name) => [name, env[name]]);
  return createHash("sha256").update(JSON.stringify(sorted)).digest("hex").slice(0, 16);
}

export class IsolatePool {
  readonly #logSink: LogSink;
  readonly #maxQueue: number;
  readonly #maxWaitMs: number;
  readonly #idleMs: number;
  readonly #budgetBytes: number;
  readonly #gate: RunGate;
  readonly #warm: WarmIsolates;
  readonly #cache: CodeCache;
  readonly #egress: EgressOptions;
  readonly #rateLimits: RateLimitCounter | undefined;
  readonly #sdk: SdkOrigin | undefined;
  /** Insertion order is recency: the first entries are the least recently used. */
  readonly #versions = new Map<string, VersionPool>();
  #onIdle: (() => void)[] = [];
  readonly #refillTimers = new Map<number, NodeJS.Timeout>();
  #closed = false;

  constructor(options: IsolatePoolOptions) {
    this.#logSink = options.logSink;
    this.#maxQueue = options.maxQueue ?? 1000;
    this.#maxWaitMs = options.maxQueueWaitMs ?? 10_000;
    this.#idleMs = options.idleMs ?? 5 * 60_000;
    this.#budgetBytes = (options.memoryBudgetMb ?? 2048) * MB;
    this.#gate = new RunGate(options.runningIsolates);
    this.#warm = new WarmIsolates(this.#logSink, this.#gate, options.prewarmed ?? 16);
    this.#cache = new CodeCache(options.codeCacheDir);
    this.#egress = options.egress ?? {};
    this.#rateLimits = options.rateLimits;
    this.#sdk = options.sdk;
    // Bundle the guest runtime and stock pre-warmed isolates of the usual memory sizes now,
    // off the first requests' path. A failure is not lost: the cached promise rejects again
    // for the first invocation that needs it.
    const sizes = options.prewarmSizes ?? [DEFAULT_MEMORY_MB];
    bundleRuntime().then(
      () => {
        if (!this.#closed) for (const size of sizes) this.#warm.refill(size);
      },
      () => undefined,
    );
  }

  invokeHttp(
    source: FunctionSource,
    limits: InstanceLimits,
    input: HttpRequestInput,
  ): Promise<{ result: HttpResult; meta: InvocationMeta }> {
    const hasBody = input.body !== null && !/^(GET|HEAD)$/i.test(input.method);
    const streamed = hasBody && !(input.body instanceof Uint8Array);
    // Parsed here (Node's URL) so the guest's Request can take it as it is (url.guest.ts).
    const url = hrefs.get(input.url, canonicalHref);
    if (url === null) {
      const failure = new BunbaseError("FN_006", `Invalid request URL: ${input.url.slice(0, 200)}`, { status: 400 });
      return Promise.reject(toInvocationFailure(failure, emptyMeta()));
    }
    const guestInput: GuestHttpInput = {
      method: input.method,
      url,
      // HTTP/2 pseudo-headers and other non-tokens would make the guest's Headers throw.
      headers: input.headers.filter(([name]) => HEADER_NAME.test(name)),
      // A GET or HEAD request has no body (the Request constructor would refuse one).
      // Exactly its bytes: a Buffer slice would carry its whole pool into the guest (ownBytes).
      body: hasBody && !streamed ? (ownBytes(input.body) as Uint8Array) : null,
      streamBody: streamed,
      geo: input.geo ?? null,
      auth: input.auth ?? null,
      requestId: input.invocationId,
    };
    const feed = streamed ? new RequestBodyFeed(input.body as AsyncIterable<Uint8Array>) : null;
    return this.#invoke(source, limits, input.invocationId, input.env, (instance) =>
      instance.runHttp(
        input.invocationId,
        limits.timeoutMs,
        guestInput,
        feed,
        this.#network(source, limits, input.invocationId, input.clientIp),
      ),
    );
  }

  /**
   * What a fetch of this invocation may reach (the function's vpc block and the node-wide
   * rules), and where its rateLimit() counts: the node's store, for this function and client.
   */
  #network(source: FunctionSource, limits: InstanceLimits, invocationId: string, clientIp = ""): NetworkRules {
    const counter = this.#rateLimits;
    const rateLimit = counter && { counter, functionId: source.functionId, clientIp };
    const sdk = this.#sdk && { origin: this.#sdk, functionId: source.functionId, invocationId };
    const { deniedHosts, maxSubrequests } = this.#egress;
    return { egress: limits.egress, deniedHosts, maxSubrequests, rateLimit, sdk };
  }

  invokeEvent(
    source: FunctionSource,
    limits: InstanceLimits,
    input: EventInput,
  ): Promise<{ result: unknown; meta: InvocationMeta }> {
    return this.#invoke(source, limits, input.invocationId, input.env, (instance) =>
      instance.runEvent(
        input.invocationId,
        limits.timeoutMs,
        input.handler ? { event: input.event, handler: input.handler } : { event: input.event },
        this.#network(source, limits, input.invocationId),
      ),
    );
  }

  /**
   * Keeps this version's instance loaded (scaling.minInstances > 0) and exempt from idle
   * and budget eviction; `count` 0 lets it go idle again. One instance serves
   * maxConcurrency invocations, so any count > 0 means one pinned instance.
   */
  async prewarm(
    source: FunctionSource,
    limits: InstanceLimits,
    count: number,
    env: Record<string, string> = {},
  ): Promise<void> {
    const pool = this.#versionPool(source, limits.memoryMb, env);
    pool.pinned = count > 0;
    if (!pool.pinned) return this.#idleLater(pool);
    if (pool.idleTimer !== null) clearTimeout(pool.idleTimer);
    await this.#acquire(pool, limits, "prewarm");
  }

  /**
   * Drops the function's versions other than `keepVersions` (every version an environment
   * or a pin still points to): idle ones now, busy ones when their invocations end.
   */
  evict(functionId: string, keepVersions: Iterable<number> = []): void {
    const keep = new Set(keepVersions);
    for (const pool of [...this.#versions.values()]) {
      if (pool.source.functionId !== functionId || keep.has(pool.source.version)) continue;
      pool.draining = true;
      if (pool.admission.inFlight === 0) this.#forget(pool);
    }
  }

  stats(): PoolStats {
    let instances = 0;
    let busy = 0;
    let queued = 0;
    let heap = 0;
    for (const pool of this.#versions.values()) {
      if (pool.instance?.alive) {
        instances += 1;
        heap += pool.instance.heapBytes;
      }
      busy += pool.admission.inFlight;
      queued += pool.admission.queued;
    }
    return { instances, busy, queued, prewarmed: this.#warm.size, heapMb: Math.round((heap / MB) * 10) / 10 };
  }

  /** Refuses new work, lets running invocations finish (bounded by their timeouts), disposes all. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const timer of this.#refillTimers.values()) clearTimeout(timer);
    this.#warm.close();
    for (const pool of this.#versions.values()) pool.admission.refuseAll(closedError());
    if (this.stats().busy > 0) await new Promise<void>((resolve) => this.#onIdle.push(resolve));
    for (const pool of [...this.#versions.values()]) this.#forget(pool);
    // Let the microtasks that still hold instances finish, then free their handles now.
    await new Promise((resolve) => setImmediate(resolve));
    collectIsolateGarbage();
  }

  async #invoke<T>(
    source: FunctionSource,
    limits: InstanceLimits,
    invocationId: string,
    env: Record<string, string>,
    run: (instance: FunctionInstance) => Promise<RunResult<T>>,
  ): Promise<{ result: T; meta: InvocationMeta }> {
    const meta = emptyMeta();
    if (this.#closed) throw toInvocationFailure(closedError(), meta);
    const queuedAt = performance.now();
    const pool = this.#versionPool(source, limits.memoryMb, env);
    try {
      const queued = pool.admission.enter(limits.maxConcurrency ?? 1000, this.#maxQueue, this.#maxWaitMs);
      if (queued !== undefined) await queued;
    } catch (error) {
      this.#idleLater(pool);
      throw toInvocationFailure(error, meta);
    }
    if (pool.idleTimer !== null) clearTimeout(pool.idleTimer);
    meta.timing.queueMs = round(performance.now() - queuedAt);
    let ended: Promise<void> | undefined;
    try {
      // A warm instance not under a stuck-check is taken without a turn of the event loop.
      const live = pool.instance;
      const acquired =
        live !== null && live.alive && !live.probing
          ? { instance: live, cold: false, isolateMs: 0, compileMs: 0 }
          : await this.#acquire(pool, limits, invocationId);
      meta.coldStart = acquired.cold;
      meta.timing.isolateMs = round(acquired.isolateMs);
      meta.timing.compileMs = round(acquired.compileMs);
      if (acquired.cold && acquired.compileMs > 0) meta.codeCache = acquired.instance.codeCache;
      const started = performance.now();
      try {
        const done = await run(acquired.instance);
        ended = done.ended ?? undefined;
        meta.cpuMs = round(done.cpuMs);
        return { result: done.value, meta };
      } finally {
        meta.timing.runMs = round(performance.now() - started);
        meta.memoryMb = acquired.instance.memoryMbUsed;
        if (acquired.cold) this.#refillSoon(pool.memoryMb);
      }
    } catch (error) {
      if (meta.coldStart) this.#refillSoon(pool.memoryMb);
      throw toInvocationFailure(error, meta);
    } finally {
      if (ended === undefined) this.#leave(pool);
      else void ended.then(() => this.#leave(pool));
    }
  }

  /** Tops up the pre-warmed isolates once the cold start's answer is on its way. */
  #refillSoon(memoryMb: number): void {
    // Debounced: during a burst of cold starts the stock is spent first and refilled once
    // the burst pauses, so making isolates does not slow the cold starts it is meant for;
    // but below half the stock it is refilled at once, or a long burst would empty it and
    // every cold start past it would make its own isolate (~5 ms more each).
    if (this.#warm.low(memoryMb)) return this.#warm.refill(memoryMb);
    clearTimeout(this.#refillTimers.get(memoryMb));
    const timer = setTimeout(() => {
      this.#refillTimers.delete(memoryMb);
      this.#warm.refill(memoryMb);
    }, REFILL_QUIET_MS);
    timer.unref();
    this.#refillTimers.set(memoryMb, timer);
  }

  #versionPool(source: FunctionSource, memoryMb: number, env: Record<string, string>): VersionPool {
    const key = poolKey(source, memoryMb, env);
    let pool = this.#versions.get(key);
    if (pool === undefined) {
      const mapper = new StackMapper(bundleUrl(source), source.map);
      pool = {
        key,
        source,
        env,
        memoryMb,
        mapper,
        admission: new Admission(),
        instance: null,
        loading: null,
        idleTimer: null,
        draining: false,
        pinned: false,
      };
      // A new env or memory size for a version supersedes the old instance: in-flight
      // invocations finish on it, new ones come here.
      for (const other of this.#versions.values()) {
        if (other.source.functionId === source.functionId && other.source.version === source.version) {
          pool.pinned ||= other.pinned;
          this.evictPool(other);
        }
      }
    } else {
      this.#versions.delete(key);
    }
    this.#versions.set(key, pool); // most recently used last
    pool.draining = false;
    return pool;
  }

  private evictPool(pool: VersionPool): void {
    pool.draining = true;
    if (pool.admission.inFlight === 0) this.#forget(pool);
  }

  /** The pool's live instance, or a new one: a pre-warmed isolate plus the user module. */
  async #acquire(pool: VersionPool, limits: InstanceLimits, invocationId: string): Promise<Acquired> {
    const live = pool.instance;
    if (live !== null && live.alive) await live.checked();
    if (live !== null && live.alive) return { instance: live, cold: false, isolateMs: 0, compileMs: 0 };
    if (pool.loading !== null) return { instance: await pool.loading, cold: true, isolateMs: 0, compileMs: 0 };
    const timing = { isolateMs: 0, compileMs: 0 };
    const loading = this.#create(pool, limits, invocationId, timing);
    pool.loading = loading;
    try {
      const instance = await loading;
      pool.instance = instance;
      return { instance, cold: true, ...timing };
    } finally {
      pool.loading = null;
    }
  }

  async #create(
    pool: VersionPool,
    limits: InstanceLimits,
    invocationId: string,
    timing: { isolateMs: number; compileMs: number },
  ): Promise<FunctionInstance> {
    const started = performance.now();
    this.#makeRoom();
    const { ready } = await this.#warm.take(pool.memoryMb);
    const instance = new FunctionInstance(ready, pool.source, pool.mapper, this.#gate, this.#logSink);
    const loadStarted = performance.now();
    timing.isolateMs = loadStarted - started;
    await instance.load(pool.env, this.#cache, limits.timeoutMs, invocationId);
    timing.compileMs = performance.now() - loadStarted;
    return instance;
  }

  /** Evicts idle, unpinned instances, least recently used first, until a new one fits the budget. */
  #makeRoom(): void {
    let used = NEW_INSTANCE_BYTES;
    for (const pool of this.#versions.values()) used += pool.instance?.heapBytes ?? 0;
    for (const pool of [...this.#versions.values()]) {
      if (used <= this.#budgetBytes) return;
      if (pool.admission.inFlight > 0 || pool.pinned || pool.loading !== null || pool.instance === null) continue;
      used -= pool.instance.heapBytes;
      this.#forget(pool);
    }
  }

  #leave(pool: VersionPool): void {
    pool.admission.leave();
    if (pool.instance !== null && !pool.instance.alive) pool.instance = null;
    if (pool.admission.inFlight === 0) {
      if (pool.draining || this.#closed) this.#forget(pool);
      else this.#idleLater(pool);
    }
    if (this.#onIdle.length > 0 && this.stats().busy === 0) for (const resolve of this.#onIdle.splice(0)) resolve();
  }

  #idleLater(pool: VersionPool): void {
    if (pool.idleTimer !== null) clearTimeout(pool.idleTimer);
    pool.idleTimer = null;
    if (pool.pinned || pool.admission.inFlight > 0 || pool.admission.queued > 0) return;
    pool.idleTimer = setTimeout(() => this.#forget(pool), this.#idleMs);
    pool.idleTimer.unref();
  }

  #forget(pool: VersionPool): void {
    if (pool.idleTimer !== null) clearTimeout(pool.idleTimer);
    pool.idleTimer = null;
    if (pool.admission.inFlight > 0 || pool.loading !== null) {
      pool.draining = true;
      return;
    }
    pool.instance?.dispose();
    pool.instance = null;
    if (this.#versions.get(pool.key) === pool) this.#versions.delete(pool.key);
  }
}

function closedError(): BunbaseError {
  return new BunbaseError("FN_004", "The edge node is shutting down", { status: 503 });
}
