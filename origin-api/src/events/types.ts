/**
 * The seam between what happens on the platform and the functions that react to it
 * (docs/triggers.md): services (db, storage, auth, queues), the scheduler, webhooks and
 * `POST /events` hand events to an EventSink; the delivery engine (this folder) stores
 * them durably in the same SQLite database and delivers them at least once, with retries,
 * backoff, dead letters and idempotency keys.
 *
 * Both methods are synchronous (better-sqlite3): call them inside the same store
 * transaction as the change they report (`store.tx(() => { write; sink.publish(...) })`),
 * so a change and its event commit or roll back together.
 */

/** An event as its producer describes it; the engine adds `id`, `time` and `metadata.attempt`. */
export interface PlatformEvent {
  /** `database.create|update|delete`, `storage.upload|delete`, `auth.user.create`, `auth.login`, `schedule`, `queue`, `webhook`, or a custom type. */
  type: string;
  /** CloudEvents `source`, e.g. `/db/profiles`, `/storage/uploads`, `/auth`, `/queues/jobs`, `/schedules/<function>`. */
  source: string;
  data: unknown;
  /**
   * Contract 2.6: `collection`, `documentId`, `previous` (database); `bucket`, `path`,
   * `size`, `contentType` (storage); `scheduledTime` (schedule); `queue` (queue).
   */
  metadata?: Record<string, unknown>;
  /** Delivered once within 24 h: a second publish with the same key is a duplicate. */
  idempotencyKey?: string;
  /**
   * Set on events a function's own writes publish (`@bunbase/sdk`): the invocation that
   * wrote, and the event's depth in the chain of invocations each triggered by the last
   * (docs/triggers.md#trigger-loops). Absent: depth 0, the start of a chain.
   */
  chain?: EventChain;
}

export interface EventChain {
  /** The invocation whose write published the event. */
  invocationId: string;
  /** 1 + the depth of the event that invocation was delivering (0 for HTTP and direct invocations). */
  depth: number;
}

export interface Published {
  eventId: string;
  /** Deliveries queued (0 when no trigger matched, or for a duplicate). */
  deliveries: number;
  /** The idempotency key was seen within 24 h: nothing new was queued. */
  duplicate: boolean;
}

export interface EventSink {
  /** Queues a delivery to every function whose triggers match the event (by type and its metadata). */
  publish(event: PlatformEvent): Published;
  /** Queues one delivery to one trigger of one function (schedules, webhooks, async invokes). */
  deliver(target: { functionId: string; triggerIndex: number }, event: PlatformEvent): Published;
  /**
   * The sink for the writes invocation `invocationId` makes: it stamps their events with
   * their place in the invocation chain. Optional: a sink without chains (a local test run)
   * takes every event as the start of one.
   */
  forInvocation?(invocationId: string): EventSink;
}
