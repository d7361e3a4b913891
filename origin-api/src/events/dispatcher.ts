/**
 * The dispatcher loop (origin API process): claims due deliveries under a lease, hands
 * each to the Invoker (which sends it to the runner over HTTP; user code never runs
 * here), renews the lease while the call runs, and records the outcome: success, a retry
 * after backoff, or the dead-letter queue.
 */
import { hostname } from "node:os";
import { BunbaseError, newId, newInvocationId, type Logger } from "../../../core/index.ts";
import type { Store } from "../store/index.ts";
import type { InvokeInput, Invoker } from "../services/invoker.ts";
import { outcomeOfError, outcomeOfResponse, type AttemptOutcome } from "./attempt-outcome.ts";
import { backoffDelay, type BackoffPolicy } from "./backoff.ts";
import type { InvocationChains } from "./invocation-chains.ts";
import type { Delivery, Outbox } from "./outbox.ts";
import { policyOf, triggersOf } from "./subscriptions.ts";
import type { PlatformEvent } from "./types.ts";

export interface DispatcherOptions {
  outbox: Outbox;
  chains: InvocationChains;
  store: Store;
  invoker: Invoker;
  log: Logger;
  backoff: BackoffPolicy;
  concurrency: number;
  leaseMs: number;
  shutdownGraceMs: number;
  /** Sends a dead queue message on to the trigger's `deadLetterQueue`. */
  publish: (event: PlatformEvent) => unknown;
}

const MAINTENANCE_MS = 60_000;
const KEEP_SUCCEEDED_MS = 7 * 24 * 60 * 60 * 1000;

export class Dispatcher {
  /** Identifies this process's leases. */
  readonly owner = `${hostname()}:${process.pid}:${newId("lease")}`;
  private timer: NodeJS.Timeout | undefined;
  private maintenance: NodeJS.Timeout | undefined;
  private running = 0;
  private closed = false;
  private started = false;
  private readonly inflight = new Set<Promise<void>>();
  private readonly abort = new AbortController();

  constructor(private readonly o: DispatcherOptions) {}

  start(): void {
    const now = Date.now();
    const requeued = this.o.outbox.requeueExpired(now);
    if (requeued > 0) this.o.log.info({ requeued }, "deliveries whose lease ran out are queued again");
    this.prune();
    this.maintenance = setInterval(() => this.prune(), MAINTENANCE_MS);
    this.maintenance.unref();
    this.started = true;
    this.schedule(0);
  }

  /** Something became due now (a publish, a retry from the dead letters). */
  wake(): void {
    if (this.started) this.schedule(0);
  }

  /** Waits up to the grace period for running deliveries; the rest stay queued for the next start. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    clearInterval(this.maintenance);
    const all = Promise.allSettled([...this.inflight]);
    const grace = new Promise((r) => setTimeout(r, this.o.shutdownGraceMs).unref());
    await Promise.race([all, grace]);
    this.abort.abort();
    await all;
    const released = this.o.outbox.release(this.owner, Date.now());
    if (released > 0) this.o.log.info({ released }, "deliveries left queued for the next start");
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.tick(), Math.max(0, Math.min(delayMs, 2_147_000_000)));
    this.timer.unref();
  }

  private tick(): void {
    if (this.closed) return;
    const free = this.o.concurrency - this.running;
    if (free > 0) {
      for (const job of this.claimJobs(free)) this.launch(job);
    }
    if (this.running < this.o.concurrency) {
      const next = this.o.outbox.nextDueAt();
      if (next !== undefined) this.schedule(next - Date.now());
    }
  }

  private claim(limit: number, batchKey?: string): Delivery[] {
    const now = Date.now();
    return this.o.outbox.claim({ owner: this.owner, limit, now, leaseUntil: now + this.o.leaseMs, batchKey });
  }

  /** Due rows as jobs: one delivery each, or queue messages of one trigger grouped up to its `batchSize`. */
  private claimJobs(limit: number): Delivery[][] {
    const jobs: Delivery[][] = [];
    const batches = new Map<string, Delivery[][]>();
    for (const d of this.claim(limit)) {
      const size = d.batchKey === null ? 1 : this.batchSizeOf(d);
      if (size <= 1) {
        jobs.push([d]);
        continue;
      }
      const open = batches.get(d.batchKey!) ?? [];
      const last = open.at(-1);
      if (last && last.length < size) last.push(d);
      else open.push([d]);
      batches.set(d.batchKey!, open);
    }
    for (const [key, open] of batches) {
      const last = open.at(-1)!;
      const size = this.batchSizeOf(last[0]!);
      if (last.length < size) last.push(...this.claim(size - last.length, key));
      jobs.push(...open);
    }
    return jobs;
  }

  private batchSizeOf(d: Delivery): number {
    const fn = this.o.store.functions.find(d.functionId);
    const trigger = fn && triggersOf(fn)[d.triggerIndex];
    return trigger?.type === "queue" ? policyOf(trigger).batchSize : 1;
  }

  private launch(job: Delivery[]): void {
    this.running++;
    const p = this.run(job)
      .catch((err: unknown) => this.o.log.error({ err, deliveries: job.map((d) => d.id) }, "delivery failed to run"))
      .finally(() => {
        this.running--;
        this.inflight.delete(p);
        this.schedule(0);
      });
    this.inflight.add(p);
  }

  private async run(job: Delivery[]): Promise<void> {
    const first = job[0]!;
    const fn = this.o.store.functions.find(first.functionId);
    const invocationId = first.kind === "request" ? first.id : newInvocationId();
    // The node signs this id into the SDK token: /internal/sdk finds the depth by it.
    this.o.chains.remember(invocationId, Math.max(...job.map((d) => d.chainDepth)), Date.now());
    const heartbeat = setInterval(() => this.renew(job), Math.max(100, Math.floor(this.o.leaseMs / 3)));
    let outcome: AttemptOutcome;
    try {
      if (!fn) throw new BunbaseError("FN_001", `Function ${first.functionId} was deleted`);
      const batched = first.batchKey !== null && this.batchSizeOf(first) > 1;
      const input = inputOf(job, invocationId, batched);
      // The trigger's own handler, as the function's config names it now.
      const trigger = (fn.config.triggers as { handler?: unknown }[] | undefined)?.[first.triggerIndex];
      if (first.kind === "event" && typeof trigger?.handler === "string") input.handler = trigger.handler;
      const res = await this.o.invoker.invoke(fn, input, this.abort.signal);
      outcome = await outcomeOfResponse(res, first.kind === "event" || first.event.type !== null);
    } catch (err) {
      if (this.closed && this.abort.signal.aborted) return; // left to release(): queued for the next start
      outcome = outcomeOfError(err);
    } finally {
      clearInterval(heartbeat);
    }
    this.o.store.tx(() => {
      for (const d of job) this.record(d, outcome, invocationId);
    });
  }

  private renew(job: Delivery[]): void {
    const held = this.o.outbox.renew(
      job.map((d) => d.id),
      this.owner,
      Date.now() + this.o.leaseMs,
    );
    if (held < job.length) this.o.log.warn({ deliveries: job.map((d) => d.id), held }, "a delivery lease was lost");
  }

  private record(d: Delivery, outcome: AttemptOutcome, invocationId: string): void {
    const now = Date.now();
    if (outcome.ok) {
      this.o.outbox.succeed(d.id, this.owner, outcome.result, now);
      return;
    }
    const error = { attempt: d.attempts, ...outcome.error, time: new Date(now).toISOString(), invocationId };
    const delay = backoffDelay(d.attempts, this.o.backoff);
    const retry = outcome.retry && d.attempts < d.maxAttempts && (d.expiresAt === null || now + delay <= d.expiresAt);
    this.o.outbox.fail(d.id, this.owner, error, retry ? now + delay : null, now);
    const log = { delivery: d.id, eventId: d.eventId, functionId: d.functionId, attempt: d.attempts, code: error.code };
    if (retry) {
      this.o.log.info({ ...log, retryMs: delay }, "delivery failed; retrying");
      return;
    }
    this.o.log.warn(log, "delivery failed for good; in the dead-letter queue");
    this.forwardToDeadLetterQueue(d, invocationId);
  }

  /** Queue triggers with `deadLetterQueue`: the dead message is sent on to that queue as well. */
  private forwardToDeadLetterQueue(d: Delivery, invocationId: string): void {
    const fn = this.o.store.functions.find(d.functionId);
    const trigger = fn && triggersOf(fn)[d.triggerIndex];
    if (trigger?.type !== "queue" || typeof trigger.deadLetterQueue !== "string") return;
    const queue = trigger.deadLetterQueue;
    this.o.publish({
      type: "queue",
      source: `/queues/${queue}`,
      data: d.event.data,
      metadata: { queue, deadLetter: { deliveryId: d.id, eventId: d.eventId, queue: d.event.metadata.queue } },
      // Still the same chain: a dead-letter consumer that sends back to the queue stays a loop.
      ...(d.chainDepth > 0 ? { chain: { invocationId, depth: d.chainDepth } } : {}),
    });
  }

  private prune(): void {
    const now = Date.now();
    try {
      this.o.outbox.prune(now, now - KEEP_SUCCEEDED_MS);
      this.o.chains.prune(now);
    } catch (err) {
      this.o.log.warn({ err }, "pruning the outbox failed");
    }
  }
}

/** The runner call for a job: an async invocation as stored, one event, or a batch of queue messages. */
function inputOf(job: Delivery[], invocationId: string, batched: boolean): InvokeInput {
  const first = job[0]!;
  if (first.kind === "request") {
    return {
      environment: first.environment,
      version: first.version ?? undefined,
      eventType: first.event.type ?? undefined,
      contentType: first.contentType ?? undefined,
      body: first.payload,
      query: first.query,
      invocationId,
      attempt: first.attempts,
    };
  }
  const attempt = Math.max(...job.map((d) => d.attempts));
  const event = batched ? batchEvent(job, attempt) : { ...first.event, metadata: { attempt, ...first.event.metadata } };
  return {
    environment: first.environment,
    eventType: event.type ?? "queue",
    event,
    body: null,
    query: "",
    invocationId,
    attempt,
  };
}

/** Contract 2.6: a batch handler gets `{"messages": [...]}`, each message with its own id, time and attempt. */
function batchEvent(job: Delivery[], attempt: number) {
  const first = job[0]!;
  return {
    id: first.event.id,
    type: first.event.type,
    source: first.event.source,
    time: new Date().toISOString(),
    data: {
      messages: job.map((d) => ({ id: d.event.id, time: d.event.time, attempt: d.attempts, data: d.event.data })),
    },
    metadata: { attempt, ...first.event.metadata, batchSize: job.length },
  };
}
