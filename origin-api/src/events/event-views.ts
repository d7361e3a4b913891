/** The JSON the events and dead-letter routes answer with (docs/api.md). */
import type { FunctionRow } from "../store/index.ts";
import type { Delivery } from "./outbox.ts";
import { triggersOf } from "./subscriptions.ts";

export interface DeliveryView {
  id: string;
  eventId: string;
  functionId: string;
  function: string | null;
  /** `index` into the function's triggers and its `type`; async invocations are `{index: null, type: "invoke"}`. */
  trigger: { index: number | null; type: string };
  status: string;
  attempts: number;
  maxAttempts: number;
  event: unknown;
  errors: Delivery["errors"];
  result?: unknown;
  createdAt: string;
  finishedAt: string | null;
  nextAttemptAt: string | null;
}

export function deliveryView(d: Delivery, fn: FunctionRow | undefined): DeliveryView {
  const trigger =
    d.triggerIndex < 0
      ? { index: null, type: "invoke" }
      : { index: d.triggerIndex, type: String(fn ? (triggersOf(fn)[d.triggerIndex]?.type ?? "unknown") : "unknown") };
  const view: DeliveryView = {
    id: d.id,
    eventId: d.eventId,
    functionId: d.functionId,
    function: fn?.name ?? null,
    trigger,
    status: d.status,
    attempts: d.attempts,
    maxAttempts: d.maxAttempts,
    event: d.event,
    errors: d.errors,
    createdAt: new Date(d.createdAt).toISOString(),
    finishedAt: d.finishedAt === null ? null : new Date(d.finishedAt).toISOString(),
    nextAttemptAt: d.status === "queued" ? new Date(d.nextAttemptAt).toISOString() : null,
  };
  if (d.status === "succeeded") view.result = d.result;
  return view;
}
