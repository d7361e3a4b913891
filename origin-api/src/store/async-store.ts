/** Queued asynchronous invocations (`invoke?async=1`): durable, resumed after a restart. */
import type { Environment } from "../../../core/index.ts";
import type { Db } from "./database.ts";
import { now } from "./database.ts";

export type AsyncStatus = "queued" | "running" | "succeeded" | "failed";

export interface AsyncInvocation {
  id: string;
  functionId: string;
  environment: Environment;
  version: number | null;
  status: AsyncStatus;
  attempts: number;
  eventType: string | null;
  contentType: string | null;
  query: string;
  payload: Buffer | null;
  result: unknown;
  error: unknown;
  nextAttemptAt: number;
}

interface RawAsync {
  id: string;
  function_id: string;
  environment: Environment;
  version: number | null;
  status: AsyncStatus;
  attempts: number;
  event_type: string | null;
  content_type: string | null;
  query: string;
  payload: Buffer | null;
  result: string | null;
  error: string | null;
  next_attempt_at: number;
}

const toRow = (r: RawAsync): AsyncInvocation => ({
  id: r.id,
  functionId: r.function_id,
  environment: r.environment,
  version: r.version,
  status: r.status,
  attempts: r.attempts,
  eventType: r.event_type,
  contentType: r.content_type,
  query: r.query,
  payload: r.payload,
  result: r.result === null ? undefined : (JSON.parse(r.result) as unknown),
  error: r.error === null ? undefined : (JSON.parse(r.error) as unknown),
  nextAttemptAt: r.next_attempt_at,
});

export type NewAsync = Pick<
  AsyncInvocation,
  "id" | "functionId" | "environment" | "version" | "eventType" | "contentType" | "query" | "payload"
>;

export class AsyncStore {
  constructor(private readonly db: Db) {}

  insert(a: NewAsync): void {
    const t = now();
    this.db
      .prepare(
        `INSERT INTO async_invocations (id, function_id, environment, version, status, attempts, event_type, content_type, query,
           payload, next_attempt_at, created_at, updated_at) VALUES (?, ?, ?, ?, 'queued', 0, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        a.id,
        a.functionId,
        a.environment,
        a.version,
        a.eventType,
        a.contentType,
        a.query,
        a.payload,
        Date.now(),
        t,
        t,
      );
  }

  get(functionId: string, id: string): AsyncInvocation | undefined {
    const raw = this.db
      .prepare("SELECT * FROM async_invocations WHERE id = ? AND function_id = ?")
      .get(id, functionId) as RawAsync | undefined;
    return raw && toRow(raw);
  }

  /** Rows a crash left running go back to the queue (delivery is at least once). */
  requeueRunning(): number {
    return this.db
      .prepare("UPDATE async_invocations SET status = 'queued', updated_at = ? WHERE status = 'running'")
      .run(now()).changes;
  }

  /** Atomically takes up to `limit` due rows and marks them running. */
  claimDue(limit: number, atMs = Date.now()): AsyncInvocation[] {
    return this.db.transaction(() => {
      const rows = this.db
        .prepare(
          "SELECT * FROM async_invocations WHERE status = 'queued' AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?",
        )
        .all(atMs, limit) as RawAsync[];
      const mark = this.db.prepare(
        "UPDATE async_invocations SET status = 'running', attempts = attempts + 1, updated_at = ? WHERE id = ?",
      );
      for (const r of rows) mark.run(now(), r.id);
      return rows.map((r) => ({ ...toRow(r), status: "running" as const, attempts: r.attempts + 1 }));
    })();
  }

  nextDueAt(): number | undefined {
    const row = this.db
      .prepare("SELECT MIN(next_attempt_at) AS t FROM async_invocations WHERE status = 'queued'")
      .get() as { t: number | null };
    return row.t ?? undefined;
  }

  finish(id: string, status: "succeeded" | "failed", outcome: { result?: unknown; error?: unknown }): void {
    this.db
      .prepare(
        "UPDATE async_invocations SET status = ?, result = ?, error = ?, payload = NULL, updated_at = ? WHERE id = ?",
      )
      .run(
        status,
        outcome.result === undefined ? null : JSON.stringify(outcome.result),
        outcome.error === undefined ? null : JSON.stringify(outcome.error),
        now(),
        id,
      );
  }

  retryLater(id: string, atMs: number, error: unknown): void {
    this.db
      .prepare(
        "UPDATE async_invocations SET status = 'queued', next_attempt_at = ?, error = ?, updated_at = ? WHERE id = ?",
      )
      .run(atMs, JSON.stringify(error), now(), id);
  }
}
