/**
 * The delivery engine's front: `publish()` and `deliver()` (the EventSink every producer
 * calls, inside its own transaction), asynchronous invocations, and the dead letters.
 * The Dispatcher (dispatcher.ts) runs what this stores.
 */
import { BunbaseError, invalid, newId, newInvocationId, type Environment, type Logger } from "../../../core/index.ts";
import type { Store } from "../store/index.ts";
import type { Invoker } from "../services/invoker.ts";
import { backoffFromEnv, type BackoffPolicy } from "./backoff.ts";
import { Dispatcher } from "./dispatcher.ts";
import { Outbox, type Delivery, type DeliveryError, type StoredEvent } from "./outbox.ts";
import { policyOf, SubscriptionIndex, triggersOf, type Subscription } from "./subscriptions.ts";
import type { EventSink, PlatformEvent, Published } from "./types.ts";

export const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;
/** Attempts of an asynchronous invocation: the first and 3 retries. */
export const ASYNC_MAX_ATTEMPTS = 4;

export interface EngineOptions {
  store: Store;
  invoker: Invoker;
  log: Logger;
  backoff?: BackoffPolicy;
  /** Deliveries running at once (default 8). */
  concurrency?: number;
  /** How long a claim holds before another dispatcher may take the row (default 30 s, `BUNBASE_LEASE_MS`). */
  leaseMs?: number;
  /** How long `close()` waits for running deliveries (default 2 s). */
  shutdownGraceMs?: number;
}

/** What `invoke?async=1` stores (contract 2.3). */
export interface AsyncInvocationInput {
  environment: Environment;
  version?: number;
  eventType?: string;
  contentType?: string;
  body: Uint8Array | null;
  query: string;
}

export interface AsyncView {
  status: "queued" | "running" | "succeeded" | "failed";
  attempts: number;
  result?: unknown;
  error?: unknown;
}

type DeliveryPolicy = Pick<Subscription, "functionId" | "triggerIndex" | "type" | "maxAttempts" | "maxAgeMs">;

export class EventEngine implements EventSink {
  readonly outbox: Outbox;
  readonly dispatcher: Dispatcher;
  private readonly subscriptions: SubscriptionIndex;

  constructor(private readonly o: EngineOptions) {
    this.outbox = new Outbox(o.store.db);
    this.subscriptions = new SubscriptionIndex(
      () => o.store.functions.list(),
      () => o.store.functions.revision(),
    );
    this.dispatcher = new Dispatcher({
      outbox: this.outbox,
      store: o.store,
      invoker: o.invoker,
      log: o.log,
      backoff: o.backoff ?? backoffFromEnv(),
      concurrency: o.concurrency ?? 8,
      leaseMs: o.leaseMs ?? leaseFromEnv(),
      shutdownGraceMs: o.shutdownGraceMs ?? 2000,
      publish: (event) => this.publish(event),
    });
  }

  start(): void {
    this.dispatcher.start();
  }

  close(): Promise<void> {
    return this.dispatcher.close();
  }

  publish(event: PlatformEvent): Published {
    return this.store(event, `${event.source} ${event.type}`, () => this.subscriptions.match(event));
  }

  deliver(target: { functionId: string; triggerIndex: number }, event: PlatformEvent): Published {
    const fn = this.o.store.functions.find(target.functionId);
    const trigger = fn && triggersOf(fn)[target.triggerIndex];
    if (!fn || !trigger)
      throw new BunbaseError("FN_001", `Function ${target.functionId} has no trigger ${target.triggerIndex}`);
    const policy = {
      functionId: fn.id,
      triggerIndex: target.triggerIndex,
      type: String(trigger.type),
      ...policyOf(trigger),
    };
    const scope = `${fn.id}#${target.triggerIndex} ${event.source} ${event.type}`;
    return this.store(event, scope, () => [policy]);
  }

  /** Queues `invoke?async=1`; the invocation id is the delivery's id. */
  enqueueInvocation(functionId: string, input: AsyncInvocationInput): string {
    const id = newInvocationId();
    const now = Date.now();
    const event: StoredEvent = {
      id,
      type: input.eventType ?? null,
      source: "bunbase/invoke",
      time: new Date(now).toISOString(),
      data: null,
      metadata: {},
    };
    this.o.store.tx(() =>
      this.outbox.insert(
        {
          id,
          eventId: id,
          functionId,
          triggerIndex: -1,
          kind: "request",
          event,
          batchKey: null,
          maxAttempts: ASYNC_MAX_ATTEMPTS,
          expiresAt: null,
          environment: input.environment,
          version: input.version ?? null,
          contentType: input.contentType ?? null,
          query: input.query,
          payload: input.body ? Buffer.from(input.body) : null,
        },
        now,
      ),
    );
    this.dispatcher.wake();
    return id;
  }

  /** `GET /functions/:id/invocations/:invocationId`. */
  invocation(functionId: string, id: string): AsyncView {
    const d = this.outbox.get(id);
    if (d && d.functionId === functionId) return asyncView(d);
    const legacy = this.o.store.async.get(functionId, id); // queued before this engine existed
    if (!legacy) throw new BunbaseError("FN_001", `Invocation ${id} not found`);
    const view: AsyncView = { status: legacy.status, attempts: legacy.attempts };
    if (legacy.result !== undefined) view.result = legacy.result;
    if (legacy.error !== undefined) view.error = legacy.error;
    return view;
  }

  delivery(id: string): Delivery {
    const d = this.outbox.get(id);
    if (!d) throw new BunbaseError("FN_001", `Delivery ${id} not found`, { details: { id } });
    return d;
  }

  /** `POST /dlq/:id/retry`: one more attempt, now. */
  retryDead(id: string): Delivery {
    const d = this.delivery(id);
    if (!this.outbox.retryDead(id, Date.now()))
      throw new BunbaseError("FN_006", `Delivery ${id} is ${d.status}, not in the dead-letter queue`, {
        status: 409,
        details: { path: "id", status: d.status },
      });
    this.dispatcher.wake();
    return this.delivery(id);
  }

  private store(event: PlatformEvent, scope: string, targets: () => DeliveryPolicy[]): Published {
    checkEvent(event);
    const published = this.o.store.tx((): Published => {
      const now = Date.now();
      const key = event.idempotencyKey;
      const seen = key === undefined ? undefined : this.outbox.seenKey(scope, key, now);
      if (seen !== undefined) return { eventId: seen, deliveries: 0, duplicate: true };
      const stored = stamp(event, now);
      const policies = targets();
      for (const p of policies) this.outbox.insert(deliveryOf(stored, p, now), now);
      if (key !== undefined) this.outbox.rememberKey(scope, key, stored.id, now + IDEMPOTENCY_WINDOW_MS);
      return { eventId: stored.id, deliveries: policies.length, duplicate: false };
    });
    // The dispatcher looks on a later turn, after the caller's transaction committed.
    if (published.deliveries > 0) this.dispatcher.wake();
    return published;
  }
}

function checkEvent(e: PlatformEvent): void {
  if (typeof e.type !== "string" || e.type === "") throw invalid("type", "an event needs a type");
  if (e.idempotencyKey !== undefined && (typeof e.idempotencyKey !== "string" || e.idempotencyKey.length > 256))
    throw invalid("idempotencyKey", "must be a string of 1-256 characters");
}

function stamp(e: PlatformEvent, now: number): StoredEvent {
  return {
    id: newId("evt"),
    type: e.type,
    source: e.source,
    time: new Date(now).toISOString(),
    data: e.data ?? null,
    metadata: { ...e.metadata },
  };
}

function deliveryOf(event: StoredEvent, p: DeliveryPolicy, now: number) {
  return {
    id: newId("dlv"),
    eventId: event.id,
    functionId: p.functionId,
    triggerIndex: p.triggerIndex,
    kind: "event" as const,
    event,
    batchKey: p.type === "queue" ? `${p.functionId}#${p.triggerIndex}` : null,
    maxAttempts: p.maxAttempts,
    expiresAt: p.maxAgeMs === undefined ? null : now + p.maxAgeMs,
  };
}

function asyncView(d: Delivery): AsyncView {
  const status = d.status === "dead" ? "failed" : d.status;
  const view: AsyncView = { status, attempts: d.attempts };
  if (d.status === "succeeded") view.result = d.result;
  const last: DeliveryError | undefined = d.errors.at(-1);
  if (last && d.status !== "succeeded")
    view.error = { code: last.code, message: last.message, ...(last.status ? { status: last.status } : {}) };
  return view;
}

function leaseFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const ms = Number(env.BUNBASE_LEASE_MS);
  return Number.isInteger(ms) && ms >= 300 ? ms : 30_000;
}
