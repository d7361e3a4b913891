/** The schedule and webhook routes (routes/schedules.ts, routes/webhooks.ts) in the OpenAPI document (openapi-spec.ts). */
import type { ApiOp } from "./openapi-op.ts";
export const TRIGGER_OPS: ApiOp[] = [
  {
    method: "get",
    path: "/functions/{id}/schedule",
    summary: "Each schedule trigger's next tick, last tick and recent ticks (with their event ids)",
    tag: "triggers",
    ok: 200,
  },
  {
    method: "post",
    path: "/webhooks/*",
    summary:
      "A webhook trigger's delivery: no API key, the signature (github, stripe, hmac-sha256) authenticates it; 202 once stored",
    tag: "triggers",
    ok: 202,
  },
];
