/**
 * `queue`: messages sent to a named queue become `queue` events (contract 2.6), one per
 * message, stored by the event sink in one transaction; functions with a matching queue
 * trigger receive them. There is no separate message table: the sink is the queue.
 */
import { invalid } from "../../../core/index.ts";
import type { EventSink } from "../events/types.ts";
import type { Store } from "../store/index.ts";
import { isPlainObject } from "./merge-patch.ts";
import { parseResourceName } from "./names.ts";

/** A message: `body` (any JSON, the event's `data`) and an optional `idempotencyKey` (1-256 characters). */
export interface QueueMessage {
  body: unknown;
  idempotencyKey?: string;
}

export const MAX_MESSAGES_PER_SEND = 1000;
const MESSAGE_KEYS = new Set(["body", "idempotencyKey"]);

export class MessageQueues {
  constructor(
    private readonly store: Store,
    private readonly events: EventSink,
  ) {}

  /** Publishes each message; `duplicates` counts those whose idempotency key was seen within 24 h. */
  send(queue: string, messages: QueueMessage[]): { accepted: number; duplicates: number } {
    const name = parseResourceName(queue, "queue");
    const parsed = parseMessages(messages, "messages");
    return this.store.tx(() => {
      let duplicates = 0;
      for (const m of parsed) {
        const published = this.events.publish({
          type: "queue",
          source: `/queues/${name}`,
          data: m.body,
          metadata: { queue: name },
          ...(m.idempotencyKey === undefined ? {} : { idempotencyKey: m.idempotencyKey }),
        });
        if (published.duplicate) duplicates += 1;
      }
      return { accepted: parsed.length - duplicates, duplicates };
    });
  }
}

/** The REST body: `{"messages": [QueueMessage...]}` or `{"message": QueueMessage}`. */
export function parseSendBody(body: Record<string, unknown>): QueueMessage[] {
  const extra = Object.keys(body).find((k) => k !== "messages" && k !== "message");
  if (extra !== undefined) throw invalid(extra, 'unknown field: send {"messages": [...]} or {"message": {...}}');
  if ("messages" in body && "message" in body) throw invalid("message", "send either messages or message");
  if ("message" in body) return [body.message as QueueMessage];
  if (!("messages" in body)) throw invalid("messages", "is required");
  return body.messages as QueueMessage[];
}

function parseMessages(messages: unknown, path: string): QueueMessage[] {
  if (!Array.isArray(messages) || messages.length === 0 || messages.length > MAX_MESSAGES_PER_SEND)
    throw invalid(path, `must be a list of 1-${MAX_MESSAGES_PER_SEND} messages`);
  return messages.map((m, i) => {
    const at = `${path}[${i}]`;
    if (!isPlainObject(m) || !("body" in m)) throw invalid(at, 'a message is {"body": ..., "idempotencyKey"?: "..."}');
    const extra = Object.keys(m).find((k) => !MESSAGE_KEYS.has(k));
    if (extra !== undefined) throw invalid(`${at}.${extra}`, "unknown field of a message");
    const key = m.idempotencyKey;
    if (key !== undefined && (typeof key !== "string" || key.length < 1 || key.length > 256))
      throw invalid(`${at}.idempotencyKey`, "must be a string of 1-256 characters");
    return { body: m.body, ...(key === undefined ? {} : { idempotencyKey: key as string }) };
  });
}
