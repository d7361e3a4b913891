/**
 * The containers of one version (with one set of variables) and the requests waiting for
 * them: each container takes up to `targetConcurrency` requests at once; when all are
 * busy (or under memory/CPU pressure) and fewer than `maxInstances` run, another starts;
 * beyond that requests queue, up to `maxConcurrency` in flight and queued together and
 * for at most `queueTimeoutMs`, then 429 FN_007 with `retry-after`. Idle containers above
 * `minInstances` stop after `idleMs`; a container that dies is dropped (and replaced when
 * it was keeping minInstances).
 */
import { BunbaseError } from "../../../../core/index.ts";

/** What the group needs from a running container. */
export interface Instance {
  /** Requests it serves now. */
  inFlight: number;
  /** Requests it has served since it started. */
  served: number;
  /** performance.now() of its last release. */
  idleSince: number;
  /** Memory or CPU near the cgroup's limit: new requests go elsewhere when possible. */
  pressured: boolean;
  /** Stopping or stopped: never handed out again. */
  retired: boolean;
}

export interface GroupLimits {
  targetConcurrency: number;
  minInstances: number;
  maxInstances: number;
  maxConcurrency: number;
  queueTimeoutMs: number;
  idleMs: number;
}

export interface Lease<I extends Instance> {
  instance: I;
  /** The request waited for a container started for it (or for the queue). */
  coldStart: boolean;
  queueMs: number;
}

interface Waiter<I extends Instance> {
  resolve(lease: Lease<I>): void;
  reject(err: BunbaseError): void;
  timer: NodeJS.Timeout;
  since: number;
}

export class VersionGroup<I extends Instance> {
  readonly instances: I[] = [];
  private starting = 0;
  private readonly queue: Waiter<I>[] = [];
  private closed = false;

  constructor(
    public limits: GroupLimits,
    /** Starts one instance; rejects with the reason it could not. */
    private readonly startInstance: () => Promise<I>,
    private readonly stopInstance: (instance: I) => void,
    private readonly onStartFailed: (err: unknown) => void,
  ) {}

  get size(): number {
    return this.instances.length + this.starting;
  }

  /** Requests served now plus those waiting. */
  get load(): number {
    let n = this.queue.length;
    for (const i of this.instances) n += i.inFlight;
    return n;
  }

  acquire(): Promise<Lease<I>> {
    if (this.closed) return Promise.reject(new BunbaseError("FN_008", "This version is being replaced; try again"));
    const free = this.pick();
    if (free !== undefined) return Promise.resolve(this.lease(free, false, 0));
    if (this.load >= this.limits.maxConcurrency) {
      return Promise.reject(
        new BunbaseError("FN_007", `Concurrency limit of ${this.limits.maxConcurrency} reached`, {
          headers: { "retry-after": "1" },
        }),
      );
    }
    const since = performance.now();
    const leased = new Promise<Lease<I>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.drop(waiter);
        reject(
          new BunbaseError("FN_007", `No instance became free within ${this.limits.queueTimeoutMs} ms`, {
            headers: { "retry-after": "1" },
          }),
        );
      }, this.limits.queueTimeoutMs);
      const waiter: Waiter<I> = { resolve, reject, timer, since };
      this.queue.push(waiter);
    });
    this.scaleUp();
    return leased;
  }

  release(instance: I): void {
    instance.inFlight--;
    instance.idleSince = performance.now();
    // Retired while busy (a new version took over): it stops with its last request.
    if (instance.retired) {
      if (instance.inFlight === 0 && this.draining.delete(instance)) this.stopInstance(instance);
      return;
    }
    this.serveQueue();
  }

  /** Starts instances until `count` run (minInstances, prewarm). */
  ensure(count: number): void {
    while (!this.closed && this.size < Math.min(count, this.limits.maxInstances)) this.start();
  }

  /** An instance died or was stopped: forget it, keep minInstances, serve the queue. */
  remove(instance: I): void {
    const at = this.instances.indexOf(instance);
    if (at >= 0) this.instances.splice(at, 1);
    instance.retired = true;
    this.ensure(this.limits.minInstances);
    this.scaleUp();
  }

  /** Stops idle instances above minInstances; true when the group is empty and idle. */
  reap(now = performance.now()): boolean {
    let keep = this.instances.length;
    for (const instance of [...this.instances]) {
      if (keep <= this.limits.minInstances) break;
      if (instance.inFlight === 0 && now - instance.idleSince >= this.limits.idleMs) {
        keep--;
        this.retire(instance);
      }
    }
    return this.instances.length === 0 && this.starting === 0 && this.queue.length === 0;
  }

  /**
   * Stops everything: idle instances now, busy ones after their last in-flight request
   * (a deploy never cuts a request off). Waiting requests fail.
   */
  close(): void {
    this.closed = true;
    for (const waiter of this.queue.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(new BunbaseError("FN_008", "This version is being replaced; try again"));
    }
    for (const instance of [...this.instances]) this.retire(instance);
  }

  /** Instances retired while serving: stopped when their last request ends. */
  private readonly draining = new Set<I>();

  private retire(instance: I): void {
    const at = this.instances.indexOf(instance);
    if (at >= 0) this.instances.splice(at, 1);
    instance.retired = true;
    if (instance.inFlight > 0) this.draining.add(instance);
    else this.stopInstance(instance);
  }

  /** The least busy instance with room, preferring those not under pressure. */
  private pick(): I | undefined {
    let best: I | undefined;
    for (const i of this.instances) {
      if (i.retired || i.inFlight >= this.limits.targetConcurrency) continue;
      if (best === undefined || rank(i) < rank(best)) best = i;
    }
    // Under memory or CPU pressure: another instance starts for the requests after this one.
    if (best?.pressured && this.starting === 0 && this.size < this.limits.maxInstances) this.start();
    return best;
  }

  private lease(instance: I, coldStart: boolean, queueMs: number): Lease<I> {
    instance.inFlight++;
    instance.served++;
    return { instance, coldStart, queueMs };
  }

  /** More instances while requests wait and there is room: one per waiting batch of targetConcurrency. */
  private scaleUp(): void {
    if (this.closed) return;
    const capacityStarting = this.starting * this.limits.targetConcurrency;
    const short = this.queue.length - capacityStarting;
    for (let n = 0; n < short && this.size < this.limits.maxInstances; n += this.limits.targetConcurrency) {
      this.start();
    }
  }

  private start(): void {
    this.starting++;
    this.startInstance().then(
      (instance) => {
        this.starting--;
        if (this.closed) return this.stopInstance(instance);
        this.instances.push(instance);
        instance.idleSince = performance.now();
        this.serveQueue(instance);
      },
      (err: unknown) => {
        this.starting--;
        this.onStartFailed(err);
        // Nothing else is on its way: the waiters would wait for nothing.
        if (this.starting === 0 && !this.instances.some((i) => !i.retired)) {
          const error =
            err instanceof BunbaseError ? err : new BunbaseError("FN_008", "The function's container did not start");
          for (const waiter of this.queue.splice(0)) {
            clearTimeout(waiter.timer);
            waiter.reject(error);
          }
        }
      },
    );
  }

  private serveQueue(fresh?: I): void {
    while (this.queue.length > 0) {
      const instance = this.pick();
      if (instance === undefined) return;
      const waiter = this.queue.shift()!;
      clearTimeout(waiter.timer);
      waiter.resolve(
        this.lease(instance, instance === fresh && instance.served === 0, performance.now() - waiter.since),
      );
    }
  }

  private drop(waiter: Waiter<I>): void {
    const at = this.queue.indexOf(waiter);
    if (at >= 0) this.queue.splice(at, 1);
  }
}

function rank(i: Instance): number {
  return i.inFlight + (i.pressured ? 1_000_000 : 0);
}
