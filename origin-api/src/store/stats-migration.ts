/**
 * Migration 8: invocations kept as aggregates instead of one row each (~170 GB a day at
 * 20,000 req/s). Every table is keyed by (function_id, span_ms, bucket_start): 10 s
 * buckets, and 5 min rollups of them so a 24 h window reads 288 buckets, not 8,640. The
 * last 25 hours of `invocations` (what the metrics windows read) are folded in, the
 * duration bucket computed as core/src/duration-histogram.ts does; their concurrency
 * peaks are not derived (those windows show none). Never edit once shipped.
 */
import { HISTOGRAM_GAMMA, HISTOGRAM_MAX_INDEX, HISTOGRAM_MIN_MS, STATS_BUCKET_MS } from "../../../core/index.ts";
import type { Migration } from "./migrations.ts";
import { ROLLUP_MS } from "./invocation-stats-store.ts";

/** Folds the rows of `recent_invocations` into buckets of `span` ms. */
const fold = (span: number) => `
  INSERT INTO invocation_stats (function_id, span_ms, bucket_start, invocations, errors, cold_starts, duration_sum_ms,
      cpu_count, cpu_sum, cpu_max, memory_count, memory_sum, memory_max)
    SELECT function_id, ${span}, started_at - (started_at % ${span}) AS b, COUNT(*),
      SUM(error_code IS NOT NULL OR status >= 500), SUM(cold_start), SUM(duration_ms), COUNT(cpu_ms),
      COALESCE(SUM(cpu_ms), 0), COALESCE(MAX(cpu_ms), 0), COUNT(memory_mb), COALESCE(SUM(memory_mb), 0),
      COALESCE(MAX(memory_mb), 0)
    FROM recent_invocations GROUP BY function_id, b;
  INSERT INTO invocation_histograms (function_id, span_ms, bucket_start, idx, count)
    SELECT function_id, ${span}, started_at - (started_at % ${span}) AS b, idx, COUNT(*)
    FROM recent_invocations GROUP BY function_id, b, idx;
  INSERT INTO invocation_codes (function_id, span_ms, bucket_start, code, count)
    SELECT function_id, ${span}, started_at - (started_at % ${span}) AS b, error_code, COUNT(*)
    FROM recent_invocations WHERE error_code IS NOT NULL GROUP BY function_id, b, error_code;
`;

export const INVOCATION_STATS_MIGRATION: Migration = {
  version: 8,
  name: "invocation_aggregates",
  sql: `
    -- peak: for a 10 s bucket, the sum over reporters of their peaks (invocation_peaks);
    -- for a rollup, the largest of its 10 s buckets' sums.
    CREATE TABLE invocation_stats (
      function_id TEXT NOT NULL,
      span_ms INTEGER NOT NULL,
      bucket_start INTEGER NOT NULL,
      invocations INTEGER NOT NULL,
      errors INTEGER NOT NULL,
      cold_starts INTEGER NOT NULL,
      duration_sum_ms REAL NOT NULL,
      cpu_count INTEGER NOT NULL,
      cpu_sum REAL NOT NULL,
      cpu_max REAL NOT NULL,
      memory_count INTEGER NOT NULL,
      memory_sum REAL NOT NULL,
      memory_max REAL NOT NULL,
      peak INTEGER NOT NULL DEFAULT 0,
      PRIMARY KEY (function_id, span_ms, bucket_start)
    ) WITHOUT ROWID;
    CREATE TABLE invocation_histograms (
      function_id TEXT NOT NULL,
      span_ms INTEGER NOT NULL,
      bucket_start INTEGER NOT NULL,
      idx INTEGER NOT NULL,
      count INTEGER NOT NULL,
      PRIMARY KEY (function_id, span_ms, bucket_start, idx)
    ) WITHOUT ROWID;
    CREATE TABLE invocation_codes (
      function_id TEXT NOT NULL,
      span_ms INTEGER NOT NULL,
      bucket_start INTEGER NOT NULL,
      code TEXT NOT NULL,
      count INTEGER NOT NULL,
      PRIMARY KEY (function_id, span_ms, bucket_start, code)
    ) WITHOUT ROWID;
    -- The peak concurrency of each reporting process (node/worker) in a 10 s bucket.
    CREATE TABLE invocation_peaks (
      function_id TEXT NOT NULL,
      bucket_start INTEGER NOT NULL,
      reporter TEXT NOT NULL,
      peak INTEGER NOT NULL,
      PRIMARY KEY (function_id, bucket_start, reporter)
    ) WITHOUT ROWID;

    CREATE TEMP TABLE recent_invocations AS
      SELECT function_id, started_at, duration_ms, status, error_code, cold_start, cpu_ms, memory_mb,
        CASE WHEN duration_ms > ${HISTOGRAM_MIN_MS}
          THEN MIN(${HISTOGRAM_MAX_INDEX}, CAST(ceil(ln(duration_ms / ${HISTOGRAM_MIN_MS}) / ln(${HISTOGRAM_GAMMA})) AS INTEGER))
          ELSE 0 END AS idx
      FROM invocations WHERE started_at >= (unixepoch() - 25 * 3600) * 1000;
    ${fold(STATS_BUCKET_MS)}
    ${fold(ROLLUP_MS)}
    DROP TABLE recent_invocations;
    DROP TABLE invocations;
  `,
};
