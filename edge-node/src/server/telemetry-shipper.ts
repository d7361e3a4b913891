/**
 * Ships invocation aggregates and function logs to the origin (`/internal/telemetry`)
 * every few hundred milliseconds. Invocations are folded into 10-second aggregates as
 * they end (core/src/invocation-stats.ts), so a busy node sends a few numbers per function
 * per interval instead of a record per request. What waits is bounded: when the origin is
 * away for long, the oldest logs and aggregates go first and the loss is counted and reported.
 */
import {
  InvocationAggregator,
  type InvocationSample,
  type LogRecord,
  type Logger,
  type TelemetryBatch,
} from "../../../core/index.ts";

const MAX_BUFFERED_LOGS = 20_000;
const MAX_BATCH_LOGS = 5_000;
const TRIM_SLACK = 1_000;
/** Aggregates kept while the origin is away: 10 functions with one trigger each for ~3 hours. */
const MAX_BUFFERED_STATS = 10_000;
/** Aggregates per batch: a histogram is at most ~7 kB of JSON, so a batch stays under 2 MB of them. */
const MAX_BATCH_STATS = 250;
/** Log text per batch: a char is at most 3 bytes of UTF-8, and the origin takes 10 MB a request. */
const MAX_BATCH_LOG_CHARS = 2_500_000;
/** How often a node with invocations in flight and nothing else to send reports them. */
const IN_FLIGHT_REPORT_MS = 1_000;
/**
 * How often aggregates go out (logs go every interval). Each costs the origin a few row
 * upserts per function whatever it holds, so a function called a few times a second must
 * not be shipped four times a second; metrics are per 10 s anyway.
 */
const STATS_INTERVAL_MS = 1_000;
/** Batches one flush may send back to back before leaving the rest to the next interval. */
const MAX_ROUNDS = 20;

export interface TelemetryShipperOptions {
  apiUrl: string;
  apiKey: string;
  node: string;
  /** This process among the node's workers (default: its pid). */
  sender?: string;
  log: Logger;
  intervalMs?: number;
}

export class TelemetryShipper {
  private readonly stats = new InvocationAggregator();
  private logs: LogRecord[] = [];
  private dropped = 0;
  /** The last accepted batch said invocations were in flight: the next one must say when none are. */
  private reportedInFlight = false;
  private lastSentMs = 0;
  private lastStatsMs = 0;
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> | undefined;

  constructor(private readonly options: TelemetryShipperOptions) {
    this.timer = setInterval(() => void this.flush(), options.intervalMs ?? 250);
    this.timer.unref();
  }

  /** An invocation of the function starts; hand what this returns to recordInvocation() when it ends. */
  beginInvocation(functionId: string): number {
    return this.stats.begin(functionId);
  }

  /** A begun invocation ended: folded into its aggregate. */
  recordInvocation(sample: InvocationSample, concurrency: number): void {
    this.stats.end(sample, concurrency);
  }

  recordLog(record: LogRecord): void {
    this.logs.push(record);
    this.trim();
  }

  private trim(): void {
    this.dropped += this.stats.dropOldest(MAX_BUFFERED_STATS);
    if (this.logs.length <= MAX_BUFFERED_LOGS) return;
    // Drop a slice at once, not one entry per record: splicing the head of a full buffer
    // on every record was O(n) per request under sustained load.
    const over = this.logs.length - MAX_BUFFERED_LOGS + TRIM_SLACK;
    this.logs.splice(0, over);
    this.dropped += over;
  }

  private pending(everything = false): boolean {
    return this.logs.length > 0 || this.statsDue(everything);
  }

  /** Aggregates are held, and a second has passed since the last went out (or a batch of them is full). */
  private statsDue(everything = false): boolean {
    const size = this.stats.size;
    if (size === 0) return false;
    return everything || size >= MAX_BATCH_STATS || Date.now() - this.lastStatsMs >= STATS_INTERVAL_MS;
  }

  /**
   * With nothing else to send, whether what is in flight is worth a batch of its own: at
   * once when it fell to none, else once a second (the origin trusts a report for 5 s).
   */
  private inFlightToReport(): boolean {
    const running = Object.keys(this.stats.inFlight()).length > 0;
    if (!running) return this.reportedInFlight;
    return Date.now() - this.lastSentMs >= IN_FLIGHT_REPORT_MS;
  }

  async flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (!this.pending() && !this.inFlightToReport()) return;
    this.flushing = this.sendAll().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  /**
   * Sends a batch, then more while a full one is waiting (a busy node fills more than one
   * per interval); a smaller rest waits for the next interval, so a busy node sends a few
   * big batches rather than a stream of small ones (each costs the origin a request).
   */
  private async sendAll(everything = false): Promise<void> {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      if (!(await this.send(everything))) return;
      if (!this.pending(everything)) return;
      if (!everything && this.stats.size < MAX_BATCH_STATS && this.logsThatFit() === this.logs.length) return;
    }
  }

  /** How many of the oldest logs fit in one batch (see MAX_BATCH_LOG_CHARS). */
  private logsThatFit(): number {
    let chars = 0;
    const count = Math.min(this.logs.length, MAX_BATCH_LOGS);
    for (let i = 0; i < count; i++) {
      chars +=
        this.logs[i].message.length + (this.logs[i].fields ? JSON.stringify(this.logs[i].fields).length : 0) + 200;
      if (chars > MAX_BATCH_LOG_CHARS) return Math.max(1, i);
    }
    return count;
  }

  /** One batch; false when the origin did not take it (it is back in the buffer). */
  private async send(everything = false): Promise<boolean> {
    const stats = this.statsDue(everything) ? this.stats.take(MAX_BATCH_STATS) : [];
    const logs = this.logs.splice(0, this.logsThatFit());
    const inFlight = this.stats.inFlight();
    const sender = this.options.sender ?? String(process.pid);
    const batch: TelemetryBatch = { node: this.options.node, sender, invocations: [], stats, inFlight, logs };
    try {
      const res = await fetch(new URL("/internal/telemetry", this.options.apiUrl), {
        method: "POST",
        headers: { authorization: `Bearer ${this.options.apiKey}`, "content-type": "application/json" },
        body: JSON.stringify(batch),
      });
      if (res.status >= 500) throw new Error(`origin answered ${res.status}`);
      if (!res.ok) this.options.log.error({ status: res.status, body: await res.text() }, "telemetry batch rejected");
      else await res.body?.cancel();
      this.reportedInFlight = Object.keys(inFlight).length > 0;
      this.lastSentMs = Date.now();
      if (stats.length > 0) this.lastStatsMs = this.lastSentMs;
      if (this.dropped > 0) {
        this.options.log.warn({ dropped: this.dropped }, "telemetry entries dropped while the origin was away");
        this.dropped = 0;
      }
      return true;
    } catch (err) {
      // Put the batch back; trim() bounds the total if the origin stays away.
      for (const s of stats) this.stats.merge(s);
      this.logs.unshift(...logs);
      this.trim();
      this.options.log.debug({ err: String(err) }, "telemetry flush failed; will retry");
      return false;
    }
  }

  /** Stops the interval and sends everything left (bounded by MAX_ROUNDS batches). */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flushing;
    if (this.pending(true)) await this.sendAll(true);
  }
}
