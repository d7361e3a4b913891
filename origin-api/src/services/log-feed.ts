/** Function logs: recorded from telemetry, queried with filters, followed live over SSE. */
import { EventEmitter } from "node:events";
import { invalid, LOG_LEVELS, type LogLevel, type LogRecord } from "../../../core/index.ts";
import type { LogQuery, StoredLog, Store } from "../store/index.ts";

export interface LogFilters {
  sinceMs?: number;
  untilMs?: number;
  minLevel?: LogLevel;
  q?: string;
  invocationId?: string;
}

export type PublicLog = Omit<StoredLog, "seq">;

export class LogFeed extends EventEmitter<{ log: [string, StoredLog & { timeMs: number }] }> {
  constructor(private readonly store: Store) {
    super();
    this.setMaxListeners(0);
  }

  record(r: LogRecord): void {
    const stored = this.store.telemetry.recordLog(r);
    this.emit("log", r.functionId, { ...stored, timeMs: Date.parse(stored.time) });
  }

  query(
    functionId: string,
    filters: LogFilters,
    limit: number,
    cursor?: string,
  ): { logs: PublicLog[]; nextCursor: string | null } {
    const q: LogQuery = { functionId, ...filters, limit: limit + 1, before: cursor ? decodeCursor(cursor) : undefined };
    const rows = this.store.telemetry.queryLogs(q);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    const nextCursor = rows.length > limit && last ? encodeCursor(last.timeMs, last.seq) : null;
    return { logs: page.map(publicLog), nextCursor };
  }
}

export function matches(log: StoredLog & { timeMs: number }, f: LogFilters): boolean {
  if (f.sinceMs !== undefined && log.timeMs < f.sinceMs) return false;
  if (f.untilMs !== undefined && log.timeMs > f.untilMs) return false;
  if (f.minLevel && LOG_LEVELS.indexOf(log.level) < LOG_LEVELS.indexOf(f.minLevel)) return false;
  if (f.invocationId && log.invocationId !== f.invocationId) return false;
  if (
    f.q &&
    !`${log.message} ${log.fields ? JSON.stringify(log.fields) : ""}`.toLowerCase().includes(f.q.toLowerCase())
  )
    return false;
  return true;
}

export function publicLog(log: StoredLog): PublicLog {
  const { seq: _seq, ...rest } = log;
  delete (rest as { timeMs?: number }).timeMs;
  return rest;
}

function encodeCursor(timeMs: number, seq: number): string {
  return Buffer.from(JSON.stringify([timeMs, seq])).toString("base64url");
}

function decodeCursor(cursor: string): { timeMs: number; seq: number } {
  try {
    const [timeMs, seq] = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown[];
    if (Number.isInteger(timeMs) && Number.isInteger(seq)) return { timeMs: timeMs as number, seq: seq as number };
  } catch {
    // fall through: not one of our cursors
  }
  throw invalid("cursor", "not a cursor this API returned");
}

const RELATIVE = /^(\d+)(s|m|h|d)$/;
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `since`/`until`: an ISO 8601 time or a duration back from now (`15m`, `1h`, `2d`). */
export function parseTime(value: string | undefined, path: string, nowMs = Date.now()): number | undefined {
  if (value === undefined || value === "") return undefined;
  const rel = RELATIVE.exec(value);
  if (rel) return nowMs - Number(rel[1]) * UNIT_MS[rel[2] as keyof typeof UNIT_MS];
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw invalid(path, "must be an ISO 8601 time or a duration like 15m, 1h, 2d");
  return t;
}

export function parseLevel(value: string | undefined): LogLevel | undefined {
  if (value === undefined || value === "") return undefined;
  if (!LOG_LEVELS.includes(value as LogLevel)) throw invalid("level", `must be one of ${LOG_LEVELS.join(", ")}`);
  return value as LogLevel;
}

export function parseLimit(value: string | undefined): number {
  if (value === undefined || value === "") return 100;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw invalid("limit", "must be an integer from 1 to 1000");
  return n;
}
