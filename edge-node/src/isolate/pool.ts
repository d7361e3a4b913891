/**
 * IsolatePool: instances per function version, one invocation at a time each. A version
 * grows up to `maxInstancesPerVersion` instances, then requests wait in a FIFO queue of at
 * most `maxQueue` (FN_007 beyond). Instances that hit a limit are dropped; idle ones are
 * disposed after `idleMs`.
 */
import { BunbaseError } from "../../../core/index.ts";
import { FunctionInstance, bundleUrl } from "./instance.ts";
import { emptyMeta, toInvocationFailure } from "./invocation-failure.ts";
import { bundleRuntime } from "./runtime-script.ts";
import { StackMapper } from "./source-map.ts";
import { collectIsolateGarbage } from "./teardown-gc.ts";
import type {
  EventInput,
  FunctionSource,
  HttpRequestInput,
  HttpResult,
  InstanceLimits,
  InvocationMeta,
  IsolatePoolOptions,
  LogSink,
  PoolStats,
} from "./types.ts";

interface Lease {
  instance: FunctionInstance;
  fresh: boolean;
}

interface Waiter {
  resolve(lease: Lease): void;
  reject(error: unknown): void;
}

/** Instances of one function version with one memory limit. */
interface VersionPool {
  key: string;
  source: FunctionSource;
  memoryMb: number;
  mapper: StackMapper;
  instances: Set<FunctionInstance>;
  idle: Map<FunctionInstance, NodeJS.Timeout>;
  queue: Waiter[];
  /** Evicted: instances are disposed as soon as they are free. */
  draining: boolean;
}

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

const round = (ms: number) => Math.round(ms * 100) / 100;

export class IsolatePool {
  readonly #logSink: LogSink;
  readonly #maxInstances: number;
  readonly #maxQueue: number;
  readonly #idleMs: number;
  readonly #versions = new Map<string, VersionPool>();
  /** Resolved when no invocation is running any more (close() waits on them). */
  #onIdle: (() => void)[] = [];
  #busy = 0;
  #closed = false;

  constructor(options: IsolatePoolOptions) {
    this.#logSink = options.logSink;
    this.#maxInstances = options.maxInstancesPerVersion ?? 8;
    this.#maxQueue = options.maxQueue ?? 1000;
    this.#idleMs = options.idleMs ?? 5 * 60_000;
    // Bundle the guest runtime now, off the first request's path. A failure is not lost:
    // the cached promise rejects again for the first invocation that needs it.
    bundleRuntime().catch(() => undefined);
  }

  invokeHttp(
    source: FunctionSource,
    limits: InstanceLimits,
    input: HttpRequestInput,
  ): Promise<{ result: HttpResult; meta: InvocationMeta }> {
    const guestInput = {
      method: input.method,
      url: input.url,
      // HTTP/2 pseudo-headers and other non-tokens would make the guest's Headers throw.
      headers: input.headers.filter(([name]) => HEADER_NAME.test(name)),
      // A GET or HEAD request has no body (the Request constructor would refuse one).
      body: /^(GET|HEAD)$/i.test(input.method) ? null : input.body,
      env: input.env,
      geo: input.geo ?? null,
      auth: input.auth ?? null,
    };
    return this.#invoke(source, limits, input.invocationId, input.env, (instance) => instance.runHttp(guestInput));
  }

  invokeEvent(
    source: FunctionSource,
    limits: InstanceLimits,
    input: EventInput,
  ): Promise<{ result: unknown; meta: InvocationMeta }> {
    const guestInput = { event: input.event, env: input.env };
    return this.#invoke(source, limits, input.invocationId, input.env, (instance) => instance.runEvent(guestInput));
  }

  /** Disposes idle instances of the function's other versions; busy ones go when done. */
  evict(functionId: string, keepVersion?: number): void {
    for (const pool of this.#versions.values()) {
      if (pool.source.functionId !== functionId || pool.source.version === keepVersion) continue;
      pool.draining = true;
      for (const instance of [...pool.idle.keys()]) this.#drop(pool, instance);
    }
  }

  stats(): PoolStats {
    let instances = 0;
    let queued = 0;
    for (const pool of this.#versions.values()) {
      instances += pool.instances.size;
      queued += pool.queue.length;
    }
    return { instances, busy: this.#busy, queued };
  }

  /** Refuses new work, lets running invocations finish (bounded by their timeouts), disposes all. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const pool of this.#versions.values()) {
      for (const waiter of pool.queue.splice(0)) waiter.reject(closedError());
      for (const instance of [...pool.idle.keys()]) this.#drop(pool, instance);
    }
    if (this.#busy > 0) await new Promise<void>((resolve) => this.#onIdle.push(resolve));
    for (const pool of this.#versions.values()) for (const instance of pool.instances) this.#drop(pool, instance);
    this.#versions.clear();
    // Let the microtasks that still hold instances finish, then free their handles now.
    await new Promise((resolve) => setImmediate(resolve));
    collectIsolateGarbage();
  }

  async #invoke<T>(
    source: FunctionSource,
    limits: InstanceLimits,
    invocationId: string,
    env: Record<string, string>,
    run: (instance: FunctionInstance) => Promise<T>,
  ): Promise<{ result: T; meta: InvocationMeta }> {
    const meta = emptyMeta();
    if (this.#closed) throw toInvocationFailure(closedError(), meta);
    const queuedAt = performance.now();
    const pool = this.#versionPool(source, limits.memoryMb);
    let lease: Lease;
    try {
      lease = await this.#acquire(pool);
    } catch (error) {
      throw toInvocationFailure(error, meta);
    }
    const { instance } = lease;
    meta.coldStart = lease.fresh;
    meta.timing.queueMs = round(performance.now() - queuedAt);
    instance.begin(invocationId, limits.timeoutMs);
    try {
      if (!instance.booted) {
        const boot = await instance.boot(env);
        meta.timing.isolateMs = round(boot.isolateMs);
        meta.timing.compileMs = round(boot.compileMs);
      }
      const started = performance.now();
      try {
        return { result: await run(instance), meta };
      } finally {
        meta.timing.runMs = round(performance.now() - started);
        const usage = instance.usage();
        meta.cpuMs = round(usage.cpuMs);
        meta.memoryMb = usage.memoryMb;
      }
    } catch (error) {
      throw toInvocationFailure(error, meta);
    } finally {
      this.#settle(pool, instance);
    }
  }

  /** Releases the instance now, or once its ctx.waitUntil work has settled. */
  #settle(pool: VersionPool, instance: FunctionInstance): void {
    const draining = instance.settle();
    if (draining === undefined) return this.#release(pool, instance);
    void draining.then(() => this.#release(pool, instance));
  }

  #versionPool(source: FunctionSource, memoryMb: number): VersionPool {
    const key = `${source.functionId}@${source.version}#${source.bundleHash}/${memoryMb}`;
    let pool = this.#versions.get(key);
    if (pool === undefined) {
      const mapper = new StackMapper(bundleUrl(source), source.map);
      pool = { key, source, memoryMb, mapper, instances: new Set(), idle: new Map(), queue: [], draining: false };
      this.#versions.set(key, pool);
    }
    pool.draining = false;
    return pool;
  }

  async #acquire(pool: VersionPool): Promise<Lease> {
    // The most recently used idle instance: the surplus ones stay idle and expire.
    const warm = [...pool.idle.keys()].at(-1);
    if (warm !== undefined) {
      clearTimeout(pool.idle.get(warm));
      pool.idle.delete(warm);
      this.#busy += 1;
      return { instance: warm, fresh: false };
    }
    if (pool.instances.size < this.#maxInstances) return this.#create(pool);
    if (pool.queue.length >= this.#maxQueue) {
      throw new BunbaseError(
        "FN_007",
        `Concurrency limit exceeded: ${this.#maxQueue} requests already wait for this function`,
        {
          headers: { "retry-after": "1" },
        },
      );
    }
    return new Promise<Lease>((resolve, reject) => pool.queue.push({ resolve, reject }));
  }

  #create(pool: VersionPool): Lease {
    const instance = new FunctionInstance(pool.source, pool.memoryMb, this.#logSink, pool.mapper);
    pool.instances.add(instance);
    this.#busy += 1;
    return { instance, fresh: true };
  }

  #createFor(pool: VersionPool, waiter: Waiter): void {
    try {
      waiter.resolve(this.#create(pool));
    } catch (error) {
      waiter.reject(error);
    }
  }

  #release(pool: VersionPool, instance: FunctionInstance): void {
    this.#busy -= 1;
    this.#handOver(pool, instance);
    if (this.#busy === 0) for (const resolve of this.#onIdle.splice(0)) resolve();
  }

  /** A freed instance serves the next waiter, goes idle, or is dropped. */
  #handOver(pool: VersionPool, instance: FunctionInstance): void {
    const reusable = instance.alive && instance.booted && !this.#closed;
    if (!reusable) this.#drop(pool, instance);
    const waiter = pool.queue.shift();
    if (waiter !== undefined) {
      if (reusable) {
        this.#busy += 1;
        waiter.resolve({ instance, fresh: false });
      } else {
        this.#createFor(pool, waiter);
      }
      return;
    }
    if (!reusable) return this.#forgetIfEmpty(pool);
    if (pool.draining) return this.#drop(pool, instance);
    const timer = setTimeout(() => this.#drop(pool, instance), this.#idleMs);
    timer.unref();
    pool.idle.set(instance, timer);
  }

  #drop(pool: VersionPool, instance: FunctionInstance): void {
    clearTimeout(pool.idle.get(instance));
    pool.idle.delete(instance);
    pool.instances.delete(instance);
    instance.dispose();
    this.#forgetIfEmpty(pool);
  }

  #forgetIfEmpty(pool: VersionPool): void {
    if (pool.instances.size === 0 && pool.queue.length === 0) this.#versions.delete(pool.key);
  }
}

function closedError(): BunbaseError {
  return new BunbaseError("FN_004", "The edge node is shutting down", { status: 503 });
}
