/**
 * The outbox tables (migration.ts): every read and write of a delivery row. Claiming
 * takes a lease (owner + until) in one statement, so two dispatchers never hold the same
 * row at once, and a row whose lease ran out (its process died) is claimable again.
 */
import type { Environment } from "../../../core/index.ts";
import type { Db } from "../store/index.ts";

export type DeliveryStatus = "queued" | "running" | "succeeded" | "dead";
export type DeliveryKind = "event" | "request";

/** An event as stored: contract 2.6 minus `metadata.attempt`. */
export interface StoredEvent {
  id: string;
  type: string | null;
  source: string;
  time: string;
  data: unknown;
  metadata: Record<string, unknown>;
}

export interface DeliveryError {
  attempt: number;
  code: string;
  message: string;
  time: string;
  status?: number;
  /** The invocation of that attempt (its logs: `GET /functions/:id/logs?invocationId=`). */
  invocationId?: string;
}

export interface Delivery {
  id: string;
  eventId: string;
  functionId: string;
  /** -1 for an asynchronous invocation (`invoke?async=1`). */
  triggerIndex: number;
  kind: DeliveryKind;
  event: StoredEvent;
  batchKey: string | null;
  environment: Environment;
  version: number | null;
  contentType: string | null;
  query: string;
  payload: Buffer | null;
  status: DeliveryStatus;
  attempts: number;
  maxAttempts: number;
  expiresAt: number | null;
  nextAttemptAt: number;
  errors: DeliveryError[];
  result: unknown;
  createdAt: number;
  finishedAt: number | null;
  /** The event's depth in its chain of invocations (invocation-chains.ts). */
  chainDepth: number;
}

export type NewDelivery = Pick<
  Delivery,
  "id" | "eventId" | "functionId" | "triggerIndex" | "kind" | "event" | "batchKey" | "maxAttempts" | "expiresAt"
> &
  Partial<
    Pick<Delivery, "environment" | "version" | "contentType" | "query" | "payload" | "nextAttemptAt" | "chainDepth">
  > & {
    /** Stored dead at once with this error, never attempted (a recursive loop stopped). */
    dead?: DeliveryError;
  };

interface Raw {
  id: string;
  event_id: string;
  function_id: string;
  trigger_index: number;
  kind: DeliveryKind;
  event: string;
  batch_key: string | null;
  environment: Environment;
  version: number | null;
  content_type: string | null;
  query: string;
  payload: Buffer | null;
  status: DeliveryStatus;
  attempts: number;
  max_attempts: number;
  expires_at: number | null;
  next_attempt_at: number;
  errors: string;
  result: string | null;
  created_at: number;
  finished_at: number | null;
  chain_depth: number;
}

const toDelivery = (r: Raw): Delivery => ({
  id: r.id,
  eventId: r.event_id,
  functionId: r.function_id,
  triggerIndex: r.trigger_index,
  kind: r.kind,
  event: JSON.parse(r.event) as StoredEvent,
  batchKey: r.batch_key,
  environment: r.environment,
  version: r.version,
  contentType: r.content_type,
  query: r.query,
  payload: r.payload,
  status: r.status,
  attempts: r.attempts,
  maxAttempts: r.max_attempts,
  expiresAt: r.expires_at,
  nextAttemptAt: r.next_attempt_at,
  errors: JSON.parse(r.errors) as DeliveryError[],
  result: r.result === null ? undefined : (JSON.parse(r.result) as unknown),
  createdAt: r.created_at,
  finishedAt: r.finished_at,
  chainDepth: r.chain_depth,
});

/** Due: queued and its time has come, or running under a lease that ran out. */
const DUE = `((status = 'queued' AND next_attempt_at <= @now) OR (status = 'running' AND lease_until < @now))`;

export interface DeadPage {
  items: Delivery[];
  nextCursor: string | null;
}

export class Outbox {
  constructor(private readonly db: Db) {}

  insert(d: NewDelivery, nowMs: number): void {
    this.db
      .prepare(
        `INSERT INTO event_deliveries (id, event_id, function_id, trigger_index, kind, event, batch_key, environment,
           version, content_type, query, payload, status, attempts, max_attempts, expires_at, next_attempt_at,
           created_at, updated_at, chain_depth, errors, finished_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        d.id,
        d.eventId,
        d.functionId,
        d.triggerIndex,
        d.kind,
        JSON.stringify(d.event),
        d.batchKey,
        d.environment ?? "prod",
        d.version ?? null,
        d.contentType ?? null,
        d.query ?? "",
        d.payload ?? null,
        d.dead ? "dead" : "queued",
        d.maxAttempts,
        d.expiresAt,
        d.nextAttemptAt ?? nowMs,
        nowMs,
        nowMs,
        d.chainDepth ?? 0,
        JSON.stringify(d.dead ? [d.dead] : []),
        d.dead ? nowMs : null,
      );
  }

  get(id: string): Delivery | undefined {
    const raw = this.db.prepare("SELECT * FROM event_deliveries WHERE id = ?").get(id) as Raw | undefined;
    return raw && toDelivery(raw);
  }

  byEvent(eventId: string): Delivery[] {
    return (this.db.prepare("SELECT * FROM event_deliveries WHERE event_id = ? ORDER BY id").all(eventId) as Raw[]).map(
      toDelivery,
    );
  }

  /** The event id remembered for an idempotency key still inside its window. */
  seenKey(scope: string, key: string, nowMs: number): string | undefined {
    const row = this.db
      .prepare("SELECT event_id FROM event_idempotency WHERE scope = ? AND key = ? AND expires_at > ?")
      .get(scope, key, nowMs) as { event_id: string } | undefined;
    return row?.event_id;
  }

  rememberKey(scope: string, key: string, eventId: string, expiresAt: number): void {
    this.db
      .prepare("INSERT OR REPLACE INTO event_idempotency (scope, key, event_id, expires_at) VALUES (?, ?, ?, ?)")
      .run(scope, key, eventId, expiresAt);
  }

  /** Takes up to `limit` due rows (oldest first, in publish order) under a lease; `batchKey` narrows to one queue trigger. */
  claim(o: { owner: string; limit: number; leaseUntil: number; now: number; batchKey?: string }): Delivery[] {
    return this.db.transaction(() => {
      const rows = this.db
        .prepare(
          `SELECT * FROM event_deliveries WHERE ${DUE} ${o.batchKey === undefined ? "" : "AND batch_key = @batchKey"}
           ORDER BY next_attempt_at, rowid LIMIT @limit`,
        )
        .all({ now: o.now, limit: o.limit, ...(o.batchKey === undefined ? {} : { batchKey: o.batchKey }) }) as Raw[];
      const take = this.db.prepare(
        `UPDATE event_deliveries SET status = 'running', attempts = attempts + 1, lease_owner = ?, lease_until = ?,
           updated_at = ? WHERE id = ?`,
      );
      for (const r of rows) take.run(o.owner, o.leaseUntil, o.now, r.id);
      return rows.map((r) => ({ ...toDelivery(r), status: "running" as const, attempts: r.attempts + 1 }));
    })();
  }

  /** Extends the leases `owner` still holds; returns how many it held. */
  renew(ids: string[], owner: string, leaseUntil: number): number {
    const stmt = this.db.prepare(
      "UPDATE event_deliveries SET lease_until = ? WHERE id = ? AND status = 'running' AND lease_owner = ?",
    );
    return this.db.transaction(() => ids.reduce((n, id) => n + stmt.run(leaseUntil, id, owner).changes, 0))();
  }

  /** Final success; false when the lease was lost (another dispatcher owns the row now). */
  succeed(id: string, owner: string, result: unknown, nowMs: number): boolean {
    return (
      this.db
        .prepare(
          `UPDATE event_deliveries SET status = 'succeeded', result = ?, payload = NULL, lease_owner = NULL,
             lease_until = NULL, finished_at = ?, updated_at = ? WHERE id = ? AND status = 'running' AND lease_owner = ?`,
        )
        .run(JSON.stringify(result ?? null), nowMs, nowMs, id, owner).changes === 1
    );
  }

  /** Records a failed attempt: queued again at `retryAt`, or dead when it is null. */
  fail(id: string, owner: string, error: DeliveryError, retryAt: number | null, nowMs: number): boolean {
    const status = retryAt === null ? "dead" : "queued";
    return (
      this.db
        .prepare(
          `UPDATE event_deliveries SET status = ?, errors = json_insert(errors, '$[#]', json(?)), next_attempt_at = ?,
             lease_owner = NULL, lease_until = NULL, finished_at = ?, updated_at = ?
           WHERE id = ? AND status = 'running' AND lease_owner = ?`,
        )
        .run(status, JSON.stringify(error), retryAt ?? nowMs, retryAt === null ? nowMs : null, nowMs, id, owner)
        .changes === 1
    );
  }

  /** At start: rows whose lease ran out (their process died) go back to the queue. */
  requeueExpired(nowMs: number): number {
    return this.db
      .prepare(
        `UPDATE event_deliveries SET status = 'queued', next_attempt_at = ?, lease_owner = NULL, lease_until = NULL,
           updated_at = ? WHERE status = 'running' AND lease_until < ?`,
      )
      .run(nowMs, nowMs, nowMs).changes;
  }

  /** Leaves the leases `owner` holds to whoever starts next (shutdown). */
  release(owner: string, nowMs: number): number {
    return this.db
      .prepare(
        `UPDATE event_deliveries SET status = 'queued', attempts = max(0, attempts - 1), lease_owner = NULL,
           lease_until = NULL, updated_at = ? WHERE status = 'running' AND lease_owner = ?`,
      )
      .run(nowMs, owner).changes;
  }

  /** When the next row falls due (a queued row's time, or a lease that runs out). */
  nextDueAt(): number | undefined {
    const row = this.db
      .prepare(
        `SELECT min(t) AS t FROM (
           SELECT min(next_attempt_at) AS t FROM event_deliveries WHERE status = 'queued'
           UNION ALL SELECT min(lease_until) FROM event_deliveries WHERE status = 'running')`,
      )
      .get() as { t: number | null };
    return row.t ?? undefined;
  }

  /** Dead letters, newest first; the cursor is the last item's `finished_at:id`. */
  listDead(o: { functionId?: string; limit: number; cursor?: { at: number; id: string } }): DeadPage {
    const where = ["status = 'dead'"];
    const args: Record<string, unknown> = { limit: o.limit + 1 };
    if (o.functionId !== undefined) {
      where.push("function_id = @fn");
      args.fn = o.functionId;
    }
    if (o.cursor) {
      where.push("(finished_at < @at OR (finished_at = @at AND id < @id))");
      Object.assign(args, { at: o.cursor.at, id: o.cursor.id });
    }
    const rows = this.db
      .prepare(
        `SELECT * FROM event_deliveries WHERE ${where.join(" AND ")} ORDER BY finished_at DESC, id DESC LIMIT @limit`,
      )
      .all(args) as Raw[];
    const items = rows.slice(0, o.limit).map(toDelivery);
    const last = items.at(-1);
    const nextCursor = rows.length > o.limit && last ? `${last.finishedAt}:${last.id}` : null;
    return { items, nextCursor };
  }

  /** A dead row gets one more attempt, due now, free of its age limit. */
  retryDead(id: string, nowMs: number): boolean {
    return (
      this.db
        .prepare(
          `UPDATE event_deliveries SET status = 'queued', max_attempts = attempts + 1, expires_at = NULL,
             next_attempt_at = ?, finished_at = NULL, updated_at = ? WHERE id = ? AND status = 'dead'`,
        )
        .run(nowMs, nowMs, id).changes === 1
    );
  }

  /** Drops expired idempotency keys and successes older than `keepSucceededUntil`. */
  prune(nowMs: number, keepSucceededUntil: number): { keys: number; deliveries: number } {
    const keys = this.db.prepare("DELETE FROM event_idempotency WHERE expires_at <= ?").run(nowMs).changes;
    const deliveries = this.db
      .prepare("DELETE FROM event_deliveries WHERE status = 'succeeded' AND finished_at < ?")
      .run(keepSucceededUntil).changes;
    return { keys, deliveries };
  }

  counts(): Record<DeliveryStatus, number> {
    const out: Record<DeliveryStatus, number> = { queued: 0, running: 0, succeeded: 0, dead: 0 };
    const rows = this.db.prepare("SELECT status, count(*) AS n FROM event_deliveries GROUP BY status").all() as {
      status: DeliveryStatus;
      n: number;
    }[];
    for (const r of rows) out[r.status] = r.n;
    return out;
  }
}
