/**
 * What the writes of a `functions test` run publish. No delivery engine runs locally, so
 * triggers do not fire: the events are kept, in the shape a triggered function would get
 * them (contract 2.6, `metadata.attempt` 1), for the output to list and for `--event` to
 * deliver by hand.
 */
import { newId } from "../../core/index.ts";
import type { EventSink, PlatformEvent, Published } from "../../origin-api/src/events/types.ts";
import type { LocalEvent } from "./event-file.ts";

export class LocalEventLog implements EventSink {
  readonly events: LocalEvent[] = [];
  /** Idempotency keys seen this run: a repeat is a duplicate, as the engine has it within 24 h. */
  readonly #keys = new Set<string>();

  publish(event: PlatformEvent): Published {
    const duplicate = event.idempotencyKey !== undefined && this.#keys.has(event.idempotencyKey);
    if (event.idempotencyKey !== undefined) this.#keys.add(event.idempotencyKey);
    const id = newId("evt");
    if (!duplicate) {
      this.events.push({
        id,
        type: event.type,
        source: event.source,
        time: new Date().toISOString(),
        data: structuredClone(event.data ?? null),
        metadata: { attempt: 1, ...structuredClone(event.metadata ?? {}) },
      });
    }
    return { eventId: id, deliveries: 0, duplicate };
  }

  /** Schedules, webhooks and async invokes target one function; none of them run locally. */
  deliver(_target: { functionId: string; triggerIndex: number }, event: PlatformEvent): Published {
    return this.publish(event);
  }
}

/** One line per event: its type and what it is about (`database.create profiles/abc`). */
export function describeEvent(event: LocalEvent): string {
  const m = event.metadata;
  const data = (event.data ?? {}) as Record<string, unknown>;
  const subject = event.type.startsWith("database.")
    ? `${str(m.collection)}/${str(m.documentId)}`
    : event.type.startsWith("storage.")
      ? `${str(m.bucket)}/${str(m.path)}${event.type === "storage.upload" ? ` (${str(m.size)} bytes, ${str(m.contentType)})` : ""}`
      : event.type.startsWith("auth.")
        ? `${str(data.id)} ${str(data.email)}`
        : event.type === "queue"
          ? `${str(m.queue)} ${JSON.stringify(event.data)}`
          : event.source;
  return `${event.type} ${clip(subject, 100)}`;
}

function str(value: unknown): string {
  return typeof value === "string" || typeof value === "number" ? String(value) : "?";
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
