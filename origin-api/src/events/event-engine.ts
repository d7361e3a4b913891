/**
 * The delivery engine's front: `publish()` and `deliver()` (the EventSink every producer
 * calls, inside its own transaction), asynchronous invocations, and the dead letters.
 * The Dispatcher (dispatcher.ts) runs what this stores.
 */
import {
  BunbaseError,
  invalid,
  newId,
  newInvocationId,
  type Environment,
  type Logger,
  type LogRecord,
} from "../../../core/index.ts";
import type { Store } from "../store/index.ts";
import type { Invoker } from "../services/invoker.ts";
import { backoffFromEnv, type BackoffPolicy } from "./backoff.ts";
import { Dispatcher } from "./dispatcher.ts";
import { chainedSink, InvocationChains, loopMessage, MAX_CHAIN_DEPTH } from "./invocation-chains.ts";
import { Outbox, type Delivery, type DeliveryError, type NewDelivery, type StoredEvent } from "./outbox.ts";
import { policyOf, SubscriptionIndex, triggersOf, type Subscription } from "./subscriptions.ts";
import type { EventChain, EventSink, PlatformEvent, Published } from "./types.ts";

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
  /** The deepest event still delivered (default 16, docs/triggers.md#trigger-loops). */
  maxChainDepth?: number;
  /** Where a line for a function's own logs goes (default: the store; the origin passes its LogFeed). */
  functionLog?: (record: LogRecord) => void;
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
  readonly chains: InvocationChains;
  private readonly subscriptions: SubscriptionIndex;
  private readonly maxChainDepth: number;

  constructor(private readonly o: EngineOptions) {
    this.outbox = new Outbox(o.store.db);
    this.chains = new InvocationChains(o.store.db);
    this.maxChainDepth = o.maxChainDepth ?? MAX_CHAIN_DEPTH;
    this.subscriptions = new SubscriptionIndex(
      () => o.store.functions.list(),
      () => o.store.functions.revision(),
    );
    this.dispatcher = new Dispatcher({
      outbox: this.outbox,
      chains: this.chains,
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

  /** The sink for the writes of invocation `invocationId` (`/internal/sdk`): it stamps their events' chain depth. */
  forInvocation(invocationId: string): EventSink {
    return chainedSink(this, this.chains, invocationId);
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
      const depth = event.chain?.depth ?? 0;
      const deliveries = policies.map((p) => deliveryOf(stored, p, now, depth));
      if (depth > this.maxChainDepth) this.stopLoop(deliveries, event.chain!, now);
      for (const d of deliveries) this.outbox.insert(d, now);
      if (key !== undefined) this.outbox.rememberKey(scope, key, stored.id, now + IDEMPOTENCY_WINDOW_MS);
      const queued = depth > this.maxChainDepth ? 0 : policies.length;
      return { eventId: stored.id, deliveries: queued, duplicate: false };
    });
    // The dispatcher looks on a later turn, after the caller's transaction committed.
    if (published.deliveries > 0) this.dispatcher.wake();
    return published;
  }

  /**
   * An event too deep in its chain: every delivery is stored dead, never attempted, with the
   * reason in its errors (so `GET /dlq` shows it and `POST /dlq/:id/retry` can still send it
   * once), and each function it would have reached gets a warning in its logs.
   */
  private stopLoop(deliveries: NewDelivery[], chain: EventChain, now: number): void {
    const message = loopMessage(this.maxChainDepth);
    const time = new Date(now).toISOString();
    const record = this.o.functionLog ?? ((r: LogRecord) => this.o.store.telemetry.recordLog(r));
    for (const d of deliveries) {
      d.dead = { attempt: 0, code: "FN_007", message, time, status: 429, invocationId: chain.invocationId };
      const fields = { deliveryId: d.id, eventId: d.eventId, eventType: d.event.type, depth: chain.depth };
      this.o.log.warn({ functionId: d.functionId, ...fields }, "recursive invocation loop stopped");
      record({
        time,
        level: "warn",
        message,
        invocationId: chain.invocationId,
        functionId: d.functionId,
        version: this.o.store.versions.active(d.functionId).prod ?? 0,
        fields,
      });
    }
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

function deliveryOf(event: StoredEvent, p: DeliveryPolicy, now: number, chainDepth: number): NewDelivery {
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
    chainDepth,
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
