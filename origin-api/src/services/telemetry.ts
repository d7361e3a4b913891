/**
 * `POST /internal/telemetry`: invocation aggregates, in-flight counts and logs from edge
 * nodes and the runner. Individual invocation records (the origin's own, older nodes)
 * are folded into the same aggregates.
 */
import { z } from "zod";
import {
  ENVIRONMENTS,
  HISTOGRAM_MAX_INDEX,
  InvocationAggregator,
  LOG_LEVELS,
  MAX_LOG_MESSAGE_CHARS,
  STATS_BUCKET_MS,
  type InvocationSample,
  type InvocationStats,
  type TelemetryBatch,
} from "../../../core/index.ts";
import type { Store } from "../store/index.ts";
import type { InFlightBoard } from "./in-flight.ts";
import type { LogFeed } from "./log-feed.ts";
import { parseBody } from "./parse-body.ts";
import type { Prometheus } from "./prometheus.ts";

export const MAX_BATCH_RECORDS = 5_000;
export const MAX_BATCH_STATS = 1_000;
const MAX_CODES = 32;
const MAX_IN_FLIGHT_FUNCTIONS = 10_000;
const TRIGGERS = ["http", "invoke", "event"] as const;

const invocation = z.object({
  id: z.string().min(1).max(200),
  functionId: z.string().min(1).max(200),
  version: z.number().int().nonnegative(),
  environment: z.enum(ENVIRONMENTS as [string, ...string[]]),
  trigger: z.enum(TRIGGERS),
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

const count = z.number().int().nonnegative();
const measure = z.object({ count, sum: z.number().nonnegative(), max: z.number().nonnegative() });
/** A record of at most `n` keys. */
const upTo = <T extends z.ZodType>(n: number, what: string, values: T, keys = z.string().min(1).max(200)) =>
  z.record(keys, values).refine((r) => Object.keys(r).length <= n, `at most ${n} ${what}`);

const stats = z.object({
  functionId: z.string().min(1).max(200),
  trigger: z.enum(TRIGGERS),
  bucketStart: z.number().int().nonnegative().multipleOf(STATS_BUCKET_MS),
  invocations: count,
  errors: count,
  coldStarts: count,
  codes: upTo(MAX_CODES, "error codes", count, z.string().min(1).max(20)),
  durationSumMs: z.number().nonnegative(),
  // Keys are bucket indexes, so there are at most HISTOGRAM_MAX_INDEX + 1 of them.
  durationHist: z.record(
    z
      .string()
      .regex(/^\d{1,4}$/)
      .refine((k) => Number(k) <= HISTOGRAM_MAX_INDEX, "a histogram bucket index"),
    count,
  ),
  cpu: measure,
  memory: measure,
  maxConcurrency: count,
});

const batch = z.object({
  node: z.string().max(200),
  sender: z.string().min(1).max(200).optional(),
  invocations: z.array(invocation).max(MAX_BATCH_RECORDS).default([]),
  stats: z.array(stats).max(MAX_BATCH_STATS).optional(),
  inFlight: upTo(MAX_IN_FLIGHT_FUNCTIONS, "functions", count).optional(),
  logs: z.array(log).max(MAX_BATCH_RECORDS),
});

export function parseTelemetry(body: unknown): TelemetryBatch {
  return parseBody(batch, body) as TelemetryBatch;
}

/** Individual records folded into aggregates, as edge nodes fold them (no concurrency: they were not begun here). */
export function statsOfRecords(records: readonly InvocationSample[]): InvocationStats[] {
  const aggregator = new InvocationAggregator();
  for (const r of records) aggregator.add(r);
  return aggregator.take();
}

/**
 * Stores a batch; what concerns functions that no longer exist is dropped. The
 * aggregates' concurrency peaks and in-flight counts are kept per reporter: the node, and
 * the worker process that sent the batch.
 */
export function ingestTelemetry(
  store: Store,
  logs: LogFeed,
  prometheus: Prometheus,
  inFlight: InFlightBoard,
  b: TelemetryBatch,
): { invocations: number; logs: number } {
  const known = new Map<string, boolean>();
  const exists = (id: string) => {
    if (!known.has(id)) known.set(id, store.functions.find(id)?.id === id);
    return known.get(id)!;
  };
  const reporter = b.sender === undefined ? b.node : `${b.node}/${b.sender}`;
  const counts = { invocations: 0, logs: 0 };
  // Counted per (trigger, code) and added once a batch: prom-client hashes labels per call.
  const series = new Map<string, { trigger: string; code: string; n: number }>();
  const count = (trigger: string, code: string, n: number) => {
    if (n === 0) return;
    const key = `${trigger}\u0000${code}`;
    const seen = series.get(key);
    if (seen === undefined) series.set(key, { trigger, code, n });
    else seen.n += n;
  };
  const all = [...(b.stats ?? []), ...statsOfRecords(b.invocations)];
  store.tx(() => {
    for (const s of all) {
      if (!exists(s.functionId)) continue;
      store.invocationStats.add(s, reporter);
      let failed = 0;
      for (const code in s.codes) {
        count(s.trigger, code, s.codes[code]);
        failed += s.codes[code];
      }
      count(s.trigger, "ok", s.invocations - failed);
      counts.invocations += s.invocations;
    }
    for (const r of b.logs) {
      if (!exists(r.functionId)) continue;
      logs.record(r);
      counts.logs++;
    }
  });
  if (b.inFlight !== undefined) inFlight.report(reporter, b.inFlight, Date.now());
  for (const { trigger, code, n } of series.values()) prometheus.invocations.inc({ trigger, code }, n);
  return counts;
}
