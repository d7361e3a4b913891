/**
 * Custom events and dead letters (contract 2.6): `POST /events`, `GET /events/:id`,
 * `GET /dlq`, `POST /dlq/:id/retry`.
 */
import { Hono } from "hono";
import { z } from "zod";
import { BunbaseError, invalid } from "../../../core/index.ts";
import { deliveryView } from "../events/event-views.ts";
import type { AppEnv } from "../http/app-env.ts";
import { readJson } from "../http/body.ts";
import type { Services } from "../services/index.ts";
import { parseBody } from "../services/parse-body.ts";

/** Types the platform itself emits: a custom event may not pose as one of them. */
const PLATFORM_TYPE = /^(database|storage|auth)\.|^(schedule|queue|webhook)$/;

const customEvent = z.strictObject({
  type: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9._:-]{0,99}$/, "an event type is a letter, then letters, digits and . _ : - (up to 100)")
    .refine(
      (t) => !PLATFORM_TYPE.test(t),
      "is a platform event type (database.*, storage.*, auth.*, schedule, queue, webhook)",
    ),
  data: z.unknown().optional(),
  idempotencyKey: z.string().min(1).max(256).optional(),
});

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 500;

export function eventRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.post("/events", async (c) => {
    const body = parseBody(customEvent, await readJson(c));
    const published = s.events.publish({
      type: body.type,
      source: "/events",
      data: body.data ?? null,
      ...(body.idempotencyKey === undefined ? {} : { idempotencyKey: body.idempotencyKey }),
    });
    return c.json({ id: published.eventId, deliveries: published.deliveries, duplicate: published.duplicate }, 202);
  });

  app.get("/events/:id", (c) => {
    const id = c.req.param("id");
    const deliveries = s.events.outbox.byEvent(id);
    if (deliveries.length === 0) throw new BunbaseError("FN_001", `No deliveries of event ${id}`, { details: { id } });
    return c.json({ id, deliveries: deliveries.map((d) => deliveryView(d, s.store.functions.find(d.functionId))) });
  });

  app.get("/dlq", (c) => {
    const fnName = c.req.query("function");
    const fn = fnName === undefined ? undefined : s.functions.get(fnName);
    const page = s.events.outbox.listDead({
      functionId: fn?.id,
      limit: parseLimit(c.req.query("limit")),
      cursor: parseCursor(c.req.query("cursor")),
    });
    return c.json({
      items: page.items.map((d) => deliveryView(d, fn ?? s.store.functions.find(d.functionId))),
      nextCursor: page.nextCursor,
    });
  });

  app.post("/dlq/:id/retry", (c) => {
    const d = s.events.retryDead(c.req.param("id"));
    return c.json(deliveryView(d, s.store.functions.find(d.functionId)), 202);
  });

  return app;
}

function parseLimit(value: string | undefined): number {
  if (value === undefined || value === "") return DEFAULT_LIMIT;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_LIMIT)
    throw invalid("limit", `must be an integer from 1 to ${MAX_LIMIT}`);
  return n;
}

function parseCursor(value: string | undefined): { at: number; id: string } | undefined {
  if (value === undefined || value === "") return undefined;
  const m = /^(\d+):([A-Za-z0-9_]+)$/.exec(value);
  if (!m) throw invalid("cursor", "is not a cursor this API gave");
  return { at: Number(m[1]), id: m[2]! };
}
