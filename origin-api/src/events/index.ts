/** The delivery engine: durable events, at-least-once delivery, retries, dead letters (docs/triggers.md). */
export type { EventSink, PlatformEvent, Published } from "./types.ts";
export {
  EventEngine,
  ASYNC_MAX_ATTEMPTS,
  IDEMPOTENCY_WINDOW_MS,
  type AsyncInvocationInput,
  type AsyncView,
  type EngineOptions,
} from "./event-engine.ts";
export type { Delivery, DeliveryError, DeliveryStatus, StoredEvent } from "./outbox.ts";
export { DEFAULT_BACKOFF, backoffDelay, type BackoffPolicy } from "./backoff.ts";
