/**
 * Batches invocation records and function logs to the origin (`/internal/telemetry`)
 * every few hundred milliseconds. The buffer is bounded: when the origin is away for
 * long, the oldest entries go first and the loss is counted and reported.
 */
import type { InvocationRecord, LogRecord, Logger, TelemetryBatch } from "../../../core/index.ts";

const MAX_BUFFERED = 20_000;
const MAX_BATCH = 2_000;

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
    const over = this.invocations.length + this.logs.length - MAX_BUFFERED;
    if (over <= 0) return;
    const fromLogs = Math.min(over, this.logs.length);
    this.logs.splice(0, fromLogs);
    this.invocations.splice(0, over - fromLogs);
    this.dropped += over;
  }

  async flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (this.invocations.length === 0 && this.logs.length === 0) return;
    this.flushing = this.send().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async send(): Promise<void> {
    const invocations = this.invocations.splice(0, MAX_BATCH);
    const logs = this.logs.splice(0, MAX_BATCH);
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
    } catch (err) {
      // Put the batch back in front; trim() bounds the total if the origin stays away.
      this.invocations.unshift(...invocations);
      this.logs.unshift(...logs);
      this.trim();
      this.options.log.debug({ err: String(err) }, "telemetry flush failed; will retry");
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
