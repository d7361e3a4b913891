/** Invocation records and function logs, as the edge nodes and runner report them. */
import type { InvocationRecord, LogLevel, LogRecord } from "../../../core/index.ts";
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

export interface InvocationStat {
  startedAt: number;
  durationMs: number;
  status: number;
  errorCode: string | null;
  coldStart: boolean;
  cpuMs: number | null;
  memoryMb: number | null;
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
  /** The two statements every reported invocation runs, prepared once (preparing was most of an insert). */
  #insertInvocation: Statement | null = null;
  #insertLog: Statement | null = null;

  constructor(private readonly db: Db) {}

  /** A later report of the same invocation (the runner's, after the origin's own) wins. */
  recordInvocation(r: InvocationRecord, node: string): void {
    this.#insertInvocation ??= this.db.prepare(
      `INSERT OR REPLACE INTO invocations (id, function_id, version, environment, trigger, started_at, duration_ms, status,
         error_code, cold_start, cpu_ms, memory_mb, node) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#insertInvocation.run(
      r.id,
      r.functionId,
      r.version,
      r.environment,
      r.trigger,
      r.startedAt,
      r.durationMs,
      r.status,
      r.errorCode ?? null,
      r.coldStart ? 1 : 0,
      r.cpuMs ?? null,
      r.memoryMb ?? null,
      node,
    );
  }

  hasInvocation(id: string): boolean {
    return this.db.prepare("SELECT 1 FROM invocations WHERE id = ?").get(id) !== undefined;
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

  /** Invocations of a function that overlap [fromMs, toMs] (started before the end, ended after the start). */
  invocationsSince(functionId: string, fromMs: number): InvocationStat[] {
    const rows = this.db
      .prepare(
        `SELECT started_at, duration_ms, status, error_code, cold_start, cpu_ms, memory_mb FROM invocations
         WHERE function_id = ? AND started_at + duration_ms >= ? ORDER BY started_at`,
      )
      .all(functionId, fromMs) as {
      started_at: number;
      duration_ms: number;
      status: number;
      error_code: string | null;
      cold_start: number;
      cpu_ms: number | null;
      memory_mb: number | null;
    }[];
    return rows.map((r) => ({
      startedAt: r.started_at,
      durationMs: r.duration_ms,
      status: r.status,
      errorCode: r.error_code,
      coldStart: r.cold_start === 1,
      cpuMs: r.cpu_ms,
      memoryMb: r.memory_mb,
    }));
  }
}
