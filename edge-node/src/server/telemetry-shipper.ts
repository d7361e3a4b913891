/**
 * Batches invocation records and function logs to the origin (`/internal/telemetry`)
 * every few hundred milliseconds. The buffer is bounded: when the origin is away for
 * long, the oldest entries go first and the loss is counted and reported.
 */
import type { InvocationRecord, LogRecord, Logger, TelemetryBatch } from "../../../core/index.ts";

const MAX_BUFFERED = 20_000;
const MAX_BATCH = 5_000;
const TRIM_SLACK = 1_000;
/** Log text per batch: a char is at most 3 bytes of UTF-8, and the origin takes 10 MB a request. */
const MAX_BATCH_LOG_CHARS = 2_500_000;
/** Batches one flush may send back to back before leaving the rest to the next interval. */
const MAX_ROUNDS = 20;

export class TelemetryShipper {
  private invocations: InvocationRecord[] = [];
  private logs: LogRecord[] = [];
  private dropped = 0;
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly options: { apiUrl: string; apiKey: string; node: string; log: Logger; intervalMs?: number },
  ) {
    this.timer = setInterval(() => void this.flush(), options.intervalMs ?? 250);
    this.timer.unref();
  }

  recordInvocation(record: InvocationRecord): void {
    this.invocations.push(record);
    this.trim();
  }

  recordLog(record: LogRecord): void {
    this.logs.push(record);
    this.trim();
  }

  private trim(): void {
    const size = this.invocations.length + this.logs.length;
    if (size <= MAX_BUFFERED) return;
    // Drop a slice at once, not one entry per record: splicing the head of a full buffer
    // on every record was O(n) per request under sustained load.
    const over = size - MAX_BUFFERED + TRIM_SLACK;
    const fromLogs = Math.min(over, this.logs.length);
    this.logs.splice(0, fromLogs);
    this.invocations.splice(0, over - fromLogs);
    this.dropped += over;
  }

  async flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (this.invocations.length === 0 && this.logs.length === 0) return;
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
      if (!(await this.send())) return;
      if (this.invocations.length === 0 && this.logs.length === 0) return;
      if (!everything && this.invocations.length < MAX_BATCH && this.logsThatFit() === this.logs.length) return;
    }
  }

  /** How many of the oldest logs fit in one batch (see MAX_BATCH_LOG_CHARS). */
  private logsThatFit(): number {
    let chars = 0;
    const count = Math.min(this.logs.length, MAX_BATCH);
    for (let i = 0; i < count; i++) {
      chars +=
        this.logs[i].message.length + (this.logs[i].fields ? JSON.stringify(this.logs[i].fields).length : 0) + 200;
      if (chars > MAX_BATCH_LOG_CHARS) return Math.max(1, i);
    }
    return count;
  }

  /** One batch; false when the origin did not take it (it is back in the buffer). */
  private async send(): Promise<boolean> {
    const invocations = this.invocations.splice(0, MAX_BATCH);
    const logs = this.logs.splice(0, this.logsThatFit());
    const batch: TelemetryBatch = { node: this.options.node, invocations, logs };
    try {
      const res = await fetch(new URL("/internal/telemetry", this.options.apiUrl), {
        method: "POST",
        headers: { authorization: `Bearer ${this.options.apiKey}`, "content-type": "application/json" },
        body: JSON.stringify(batch),
      });
      if (res.status >= 500) throw new Error(`origin answered ${res.status}`);
      if (!res.ok) this.options.log.error({ status: res.status, body: await res.text() }, "telemetry batch rejected");
      else await res.body?.cancel();
      if (this.dropped > 0) {
        this.options.log.warn({ dropped: this.dropped }, "telemetry entries dropped while the origin was away");
        this.dropped = 0;
      }
      return true;
    } catch (err) {
      // Put the batch back in front; trim() bounds the total if the origin stays away.
      this.invocations.unshift(...invocations);
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
    if (this.invocations.length > 0 || this.logs.length > 0) await this.sendAll(true);
  }
}
