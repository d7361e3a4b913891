/** Function logs, as the edge nodes and runner report them. */
import type { LogLevel, LogRecord } from "../../../core/index.ts";
import { LOG_LEVELS } from "../../../core/index.ts";
import type { Statement } from "better-sqlite3";
import type { Db } from "./database.ts";

export interface StoredLog {
  seq: number;
  time: string;
  level: LogLevel;
  message: string;
  invocationId: string;
  version: number;
  fields?: Record<string, unknown>;
}

export interface LogQuery {
  functionId: string;
  sinceMs?: number;
  untilMs?: number;
  minLevel?: LogLevel;
  q?: string;
  invocationId?: string;
  limit: number;
  /** Only records strictly older than this (time_ms, seq): the cursor of the previous page. */
  before?: { timeMs: number; seq: number };
}

interface RawLog {
  seq: number;
  time: string;
  time_ms: number;
  level: number;
  message: string;
  invocation_id: string | null;
  version: number | null;
  fields: string | null;
}

export function toLog(r: RawLog): StoredLog {
  const log: StoredLog = {
    seq: r.seq,
    time: r.time,
    level: LOG_LEVELS[r.level] ?? "info",
    message: r.message,
    invocationId: r.invocation_id ?? "",
    version: r.version ?? 0,
  };
  if (r.fields) log.fields = JSON.parse(r.fields) as Record<string, unknown>;
  return log;
}

export class TelemetryStore {
  #insertLog: Statement | null = null;
  constructor(private readonly db: Db) {}

  /** Deletes a function's logs older than `beforeMs`. */
  pruneLogs(functionId: string, beforeMs: number): number {
    return this.db.prepare("DELETE FROM logs WHERE function_id = ? AND time_ms < ?").run(functionId, beforeMs).changes;
  }

  /** Inserts a log record and returns it as stored (with its sequence number). */
  recordLog(r: LogRecord): StoredLog {
    const timeMs = Date.parse(r.time);
    this.#insertLog ??= this.db.prepare(
      `INSERT INTO logs (function_id, time, time_ms, level, message, invocation_id, version, fields) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const info = this.#insertLog.run(
      r.functionId,
      new Date(timeMs).toISOString(),
      timeMs,
      LOG_LEVELS.indexOf(r.level),
      r.message,
      r.invocationId,
      r.version,
      r.fields ? JSON.stringify(r.fields) : null,
    );
    return this.logBySeq(Number(info.lastInsertRowid))!;
  }

  logBySeq(seq: number): StoredLog | undefined {
    const raw = this.db.prepare("SELECT * FROM logs WHERE seq = ?").get(seq) as RawLog | undefined;
    return raw && toLog(raw);
  }

  /** Newest first, `limit` records; `before` continues from a previous page. */
  queryLogs(q: LogQuery): (StoredLog & { timeMs: number })[] {
    const where = ["function_id = ?"];
    const args: (string | number)[] = [q.functionId];
    const add = (clause: string, ...values: (string | number)[]) => {
      where.push(clause);
      args.push(...values);
    };
    if (q.sinceMs !== undefined) add("time_ms >= ?", q.sinceMs);
    if (q.untilMs !== undefined) add("time_ms <= ?", q.untilMs);
    if (q.minLevel) add("level >= ?", LOG_LEVELS.indexOf(q.minLevel));
    if (q.invocationId) add("invocation_id = ?", q.invocationId);
    if (q.q) add("instr(lower(message || ' ' || COALESCE(fields, '')), lower(?)) > 0", q.q);
    if (q.before) add("(time_ms < ? OR (time_ms = ? AND seq < ?))", q.before.timeMs, q.before.timeMs, q.before.seq);
    const rows = this.db
      .prepare(`SELECT * FROM logs WHERE ${where.join(" AND ")} ORDER BY time_ms DESC, seq DESC LIMIT ?`)
      .all(...args, q.limit) as RawLog[];
    return rows.map((r) => ({ ...toLog(r), timeMs: r.time_ms }));
  }
}
