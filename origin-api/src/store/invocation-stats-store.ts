/**
 * Invocation aggregates (core/src/invocation-stats.ts) as the origin keeps them: each one
 * is added to its 10 s bucket and to the 5 min rollup holding it, so a metrics window costs
 * its number of buckets (a 24 h window reads 288 rollups plus the 10 s buckets at its
 * edges), never its number of invocations. Schema: stats-migration.ts.
 */
import type { Statement } from "better-sqlite3";
import { STATS_BUCKET_MS, type Histogram, type InvocationStats } from "../../../core/index.ts";
import type { Db } from "./database.ts";

export const ROLLUP_MS = 5 * 60_000;
const SPANS = [STATS_BUCKET_MS, ROLLUP_MS] as const;
const SPAN_TABLES = ["invocation_stats", "invocation_histograms", "invocation_codes"] as const;
/** Every table of aggregates, all keyed by function_id first. */
export const STATS_TABLES = [...SPAN_TABLES, "invocation_peaks"] as const;

/** The aggregates of one `series` bucket of a metrics window, all reporters added up. */
export interface SeriesRow {
  /** Epoch ms: the series bucket's start. */
  t: number;
  invocations: number;
  errors: number;
  coldStarts: number;
  durationSumMs: number;
  cpuCount: number;
  cpuSum: number;
  cpuMax: number;
  memoryCount: number;
  memorySum: number;
  memoryMax: number;
  durationHist: Histogram;
}

/** What the metrics of a window are computed from (contract 2.5). */
export interface WindowStats {
  series: SeriesRow[];
  /** Error code -> invocations. */
  codes: Record<string, number>;
  /** The highest sum over reporters of their peak concurrency in one 10 s bucket. */
  peakConcurrency: number;
}

/** A range of bucket starts [from, until) of one span. */
type Piece = [span: number, from: number, until: number];

export class InvocationStatsStore {
  #statements: ReturnType<InvocationStatsStore["prepare"]> | undefined;

  constructor(private readonly db: Db) {}

  /**
   * Adds an aggregate to what is stored for its function and bucket: counts and sums add
   * up, maxima keep the larger. Concurrency peaks are kept per `reporter` (a node's
   * process): a bucket's peak is the sum of its reporters' peaks.
   */
  add(s: InvocationStats, reporter: string): void {
    const q = (this.#statements ??= this.prepare());
    const { functionId: fn, cpu, memory } = s;
    for (const span of SPANS) {
      const t = s.bucketStart - (s.bucketStart % span);
      q.stats.run(
        fn,
        span,
        t,
        s.invocations,
        s.errors,
        s.coldStarts,
        s.durationSumMs,
        cpu.count,
        cpu.sum,
        cpu.max,
        memory.count,
        memory.sum,
        memory.max,
      );
      for (const idx in s.durationHist) q.histogram.run(fn, span, t, Number(idx), s.durationHist[idx]);
      for (const code in s.codes) q.code.run(fn, span, t, code, s.codes[code]);
    }
    if (s.maxConcurrency === 0) return;
    const known = (q.reporterPeak.get(fn, s.bucketStart, reporter) as { peak: number } | undefined)?.peak ?? 0;
    if (s.maxConcurrency <= known) return;
    q.setReporterPeak.run(fn, s.bucketStart, reporter, s.maxConcurrency);
    const { peak } = q.raisePeak.get(s.maxConcurrency - known, fn, STATS_BUCKET_MS, s.bucketStart) as { peak: number };
    q.raiseRollupPeak.run(peak, fn, ROLLUP_MS, s.bucketStart - (s.bucketStart % ROLLUP_MS));
  }

  /**
   * The function's aggregates whose 10 s bucket starts in [fromMs, toMs], added up per
   * `seriesMs` bucket. When the series buckets are whole rollups, the rollups that lie
   * wholly inside the window stand for their 10 s buckets.
   */
  window(functionId: string, fromMs: number, toMs: number, seriesMs: number): WindowStats {
    const end = toMs + 1;
    let pieces: Piece[] = [[STATS_BUCKET_MS, fromMs, end]];
    if (seriesMs % ROLLUP_MS === 0) {
      const first = Math.ceil(fromMs / ROLLUP_MS) * ROLLUP_MS;
      // A rollup is whole inside the window when its last 10 s bucket starts by toMs.
      const last = Math.floor((toMs - ROLLUP_MS + STATS_BUCKET_MS) / ROLLUP_MS) * ROLLUP_MS;
      const after = Math.max(first, last + ROLLUP_MS);
      pieces = [
        [STATS_BUCKET_MS, fromMs, first],
        [ROLLUP_MS, first, after],
        [STATS_BUCKET_MS, after, end],
      ];
    }
    const out: WindowStats = { series: [], codes: {}, peakConcurrency: 0 };
    const byT = new Map<number, SeriesRow>();
    for (const piece of pieces) if (piece[1] < piece[2]) this.readPiece(functionId, piece, seriesMs, byT, out);
    out.series = [...byT.values()].sort((a, b) => a.t - b.t);
    return out;
  }

  /** Deletes the function's aggregates whose bucket starts before `beforeMs`. */
  prune(functionId: string, beforeMs: number): void {
    for (const table of SPAN_TABLES) {
      this.db
        .prepare(`DELETE FROM ${table} WHERE function_id = ? AND span_ms IN (?, ?) AND bucket_start < ?`)
        .run(functionId, ...SPANS, beforeMs);
    }
    this.db
      .prepare("DELETE FROM invocation_peaks WHERE function_id = ? AND bucket_start < ?")
      .run(functionId, beforeMs);
  }

  private readPiece(
    fn: string,
    [span, from, until]: Piece,
    seriesMs: number,
    byT: Map<number, SeriesRow>,
    out: WindowStats,
  ) {
    const where = "function_id = ? AND span_ms = ? AND bucket_start >= ? AND bucket_start < ?";
    const rows = this.db
      .prepare(
        `SELECT bucket_start - (bucket_start % ?) AS t, SUM(invocations) AS invocations, SUM(errors) AS errors,
           SUM(cold_starts) AS coldStarts, SUM(duration_sum_ms) AS durationSumMs, SUM(cpu_count) AS cpuCount,
           SUM(cpu_sum) AS cpuSum, MAX(cpu_max) AS cpuMax, SUM(memory_count) AS memoryCount,
           SUM(memory_sum) AS memorySum, MAX(memory_max) AS memoryMax, MAX(peak) AS peak
         FROM invocation_stats WHERE ${where} GROUP BY t`,
      )
      .all(seriesMs, fn, span, from, until) as (Omit<SeriesRow, "durationHist"> & { peak: number })[];
    for (const { peak, ...row } of rows) {
      out.peakConcurrency = Math.max(out.peakConcurrency, peak);
      const known = byT.get(row.t);
      if (known === undefined) byT.set(row.t, { ...row, durationHist: {} });
      else addRow(known, row);
    }
    const hist = this.db
      .prepare(
        `SELECT bucket_start - (bucket_start % ?) AS t, idx, SUM(count) AS n FROM invocation_histograms
         WHERE ${where} GROUP BY t, idx`,
      )
      .all(seriesMs, fn, span, from, until) as { t: number; idx: number; n: number }[];
    for (const { t, idx, n } of hist) {
      const row = byT.get(t);
      if (row !== undefined) row.durationHist[idx] = (row.durationHist[idx] ?? 0) + n;
    }
    const codes = this.db
      .prepare(`SELECT code, SUM(count) AS n FROM invocation_codes WHERE ${where} GROUP BY code`)
      .all(fn, span, from, until) as { code: string; n: number }[];
    for (const { code, n } of codes) out.codes[code] = (out.codes[code] ?? 0) + n;
  }

  /** The statements every added aggregate runs, prepared once (preparing costs more than running). */
  private prepare() {
    const add = (table: string, columns: string, update: string): Statement =>
      this.db.prepare(
        `INSERT INTO ${table} (function_id, span_ms, bucket_start, ${columns}) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT DO UPDATE SET ${update}`,
      );
    return {
      stats: this.db.prepare(
        `INSERT INTO invocation_stats (function_id, span_ms, bucket_start, invocations, errors, cold_starts,
           duration_sum_ms, cpu_count, cpu_sum, cpu_max, memory_count, memory_sum, memory_max)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT DO UPDATE SET invocations = invocations + excluded.invocations,
           errors = errors + excluded.errors, cold_starts = cold_starts + excluded.cold_starts,
           duration_sum_ms = duration_sum_ms + excluded.duration_sum_ms, cpu_count = cpu_count + excluded.cpu_count,
           cpu_sum = cpu_sum + excluded.cpu_sum, cpu_max = MAX(cpu_max, excluded.cpu_max),
           memory_count = memory_count + excluded.memory_count, memory_sum = memory_sum + excluded.memory_sum,
           memory_max = MAX(memory_max, excluded.memory_max)`,
      ),
      histogram: add("invocation_histograms", "idx, count", "count = count + excluded.count"),
      code: add("invocation_codes", "code, count", "count = count + excluded.count"),
      reporterPeak: this.db.prepare(
        "SELECT peak FROM invocation_peaks WHERE function_id = ? AND bucket_start = ? AND reporter = ?",
      ),
      setReporterPeak: this.db.prepare(
        `INSERT INTO invocation_peaks (function_id, bucket_start, reporter, peak) VALUES (?, ?, ?, ?)
         ON CONFLICT DO UPDATE SET peak = excluded.peak`,
      ),
      raisePeak: this.db.prepare(
        `UPDATE invocation_stats SET peak = peak + ? WHERE function_id = ? AND span_ms = ? AND bucket_start = ?
         RETURNING peak`,
      ),
      raiseRollupPeak: this.db.prepare(
        "UPDATE invocation_stats SET peak = MAX(peak, ?) WHERE function_id = ? AND span_ms = ? AND bucket_start = ?",
      ),
    };
  }
}

/** A series bucket with nothing in it. */
export function emptySeriesRow(t: number): SeriesRow {
  return {
    t,
    invocations: 0,
    errors: 0,
    coldStarts: 0,
    durationSumMs: 0,
    cpuCount: 0,
    cpuSum: 0,
    cpuMax: 0,
    memoryCount: 0,
    memorySum: 0,
    memoryMax: 0,
    durationHist: {},
  };
}

/** Adds a row's counts, sums and maxima into `into` (histograms are merged by the caller). */
export function addRow(into: Omit<SeriesRow, "t" | "durationHist">, row: Omit<SeriesRow, "durationHist">): void {
  into.invocations += row.invocations;
  into.errors += row.errors;
  into.coldStarts += row.coldStarts;
  into.durationSumMs += row.durationSumMs;
  into.cpuCount += row.cpuCount;
  into.cpuSum += row.cpuSum;
  into.cpuMax = Math.max(into.cpuMax, row.cpuMax);
  into.memoryCount += row.memoryCount;
  into.memorySum += row.memorySum;
  into.memoryMax = Math.max(into.memoryMax, row.memoryMax);
}
