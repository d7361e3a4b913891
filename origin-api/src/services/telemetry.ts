/** `POST /internal/telemetry`: invocation records and logs from edge nodes and the runner. */
import { z } from "zod";
import { ENVIRONMENTS, LOG_LEVELS, MAX_LOG_MESSAGE_CHARS, type TelemetryBatch } from "../../../core/index.ts";
import type { Store } from "../store/index.ts";
import type { LogFeed } from "./log-feed.ts";
import { parseBody } from "./parse-body.ts";
import type { Prometheus } from "./prometheus.ts";

export const MAX_BATCH_RECORDS = 5_000;

const invocation = z.object({
  id: z.string().min(1).max(200),
  functionId: z.string().min(1).max(200),
  version: z.number().int().nonnegative(),
  environment: z.enum(ENVIRONMENTS as [string, ...string[]]),
  trigger: z.enum(["http", "invoke", "event"]),
  startedAt: z.number().nonnegative(),
  durationMs: z.number().nonnegative(),
  status: z.number().int(),
  errorCode: z.string().max(20).optional(),
  coldStart: z.boolean(),
  cpuMs: z.number().nonnegative().optional(),
  memoryMb: z.number().nonnegative().optional(),
});

const log = z.object({
  time: z.string().refine((t) => !Number.isNaN(Date.parse(t)), "an ISO 8601 time"),
  level: z.enum(LOG_LEVELS as [string, ...string[]]),
  message: z.string().max(MAX_LOG_MESSAGE_CHARS),
  invocationId: z.string().max(200),
  functionId: z.string().min(1).max(200),
  version: z.number().int().nonnegative(),
  fields: z.record(z.string(), z.unknown()).optional(),
});

const batch = z.object({
  node: z.string().max(200),
  invocations: z.array(invocation).max(MAX_BATCH_RECORDS),
  logs: z.array(log).max(MAX_BATCH_RECORDS),
});

export function parseTelemetry(body: unknown): TelemetryBatch {
  return parseBody(batch, body) as TelemetryBatch;
}

/** Stores a batch; records of functions that no longer exist are dropped. */
export function ingestTelemetry(
  store: Store,
  logs: LogFeed,
  prometheus: Prometheus,
  b: TelemetryBatch,
): { invocations: number; logs: number } {
  const known = new Map<string, boolean>();
  const exists = (id: string) => {
    if (!known.has(id)) known.set(id, store.functions.find(id)?.id === id);
    return known.get(id)!;
  };
  const counts = { invocations: 0, logs: 0 };
  // Counted per (trigger, code) and added once a batch: prom-client hashes labels per call.
  const series = new Map<string, { trigger: string; code: string; n: number }>();
  store.tx(() => {
    for (const r of b.invocations) {
      if (!exists(r.functionId)) continue;
      store.telemetry.recordInvocation(r, b.node);
      const code = r.errorCode ?? "ok";
      const key = `${r.trigger}\u0000${code}`;
      const seen = series.get(key);
      if (seen === undefined) series.set(key, { trigger: r.trigger, code, n: 1 });
      else seen.n++;
      counts.invocations++;
    }
    for (const r of b.logs) {
      if (!exists(r.functionId)) continue;
      logs.record(r);
      counts.logs++;
    }
  });
  for (const { trigger, code, n } of series.values()) prometheus.invocations.inc({ trigger, code }, n);
  return counts;
}
