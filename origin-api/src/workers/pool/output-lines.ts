/**
 * A container's output as function logs (types.ts, "logs"): a JSON line with `level` and
 * `message` (or `msg`) keeps its level, its `invocationId` and its other fields; any other
 * line is `info` from stdout and `error` from stderr. A line without an invocation id
 * belongs to the one invocation the container runs, when it runs exactly one.
 */
import type { LogLevel } from "../../../../core/index.ts";

export interface OutputLog {
  level: LogLevel;
  message: string;
  invocationId?: string;
  time: string;
  fields?: Record<string, unknown>;
}

const LEVELS: Record<string, LogLevel> = {
  trace: "debug",
  debug: "debug",
  info: "info",
  log: "info",
  notice: "info",
  warn: "warn",
  warning: "warn",
  error: "error",
  err: "error",
  fatal: "error",
  critical: "error",
  panic: "error",
};
/** pino's numeric levels. */
const NUMERIC: [number, LogLevel][] = [
  [50, "error"],
  [40, "warn"],
  [30, "info"],
  [0, "debug"],
];
const OWN_KEYS = new Set(["level", "message", "msg", "invocationId", "time", "timestamp"]);

export function parseOutputLine(stream: "stdout" | "stderr", line: string, now = new Date()): OutputLog {
  const fallback: OutputLog = { level: stream === "stderr" ? "error" : "info", message: line, time: now.toISOString() };
  if (!line.startsWith("{")) return fallback;
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return fallback;
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) return fallback;
  const record = parsed as Record<string, unknown>;
  const level = levelOf(record.level);
  const message = record.message ?? record.msg;
  if (level === undefined || typeof message !== "string") return fallback;
  const out: OutputLog = { level, message, time: now.toISOString() };
  if (typeof record.invocationId === "string" && record.invocationId !== "") out.invocationId = record.invocationId;
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) if (!OWN_KEYS.has(key)) fields[key] = value;
  if (Object.keys(fields).length > 0) out.fields = fields;
  return out;
}

function levelOf(value: unknown): LogLevel | undefined {
  if (typeof value === "string") return LEVELS[value.toLowerCase()];
  if (typeof value === "number" && Number.isFinite(value)) return NUMERIC.find(([min]) => value >= min)?.[1];
  return undefined;
}
