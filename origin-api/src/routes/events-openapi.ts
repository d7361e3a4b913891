/** The events and dead-letter routes (routes/events.ts) in the OpenAPI document (openapi-spec.ts). */
import type { ApiOp } from "./openapi-op.ts";
export const EVENT_OPS: ApiOp[] = [
  {
    method: "post",
    path: "/events",
    summary: 'Publish a custom event {"type","data"?,"idempotencyKey"?}: 202 {"id","deliveries","duplicate"}',
    tag: "events",
    ok: 202,
  },
  { method: "get", path: "/events/{id}", summary: "An event's deliveries and how each stands", tag: "events", ok: 200 },
  {
    method: "get",
    path: "/dlq",
    summary: "Dead letters, newest first, with every error",
    tag: "events",
    ok: 200,
    query: ["function", "limit", "cursor"],
  },
  {
    method: "post",
    path: "/dlq/{id}/retry",
    summary: "Queue a dead letter for one more attempt",
    tag: "events",
    ok: 202,
  },
];
