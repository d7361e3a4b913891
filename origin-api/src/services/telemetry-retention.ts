/**
 * Keeps telemetry from growing without end: invocation aggregates live 25 hours (the
 * longest metrics window is 24 h), logs `BUNBASE_LOG_RETENTION_DAYS` days. Swept on start
 * and every minute, one function at a time so each delete is a range of its primary key.
 */
import type { Logger } from "../../../core/index.ts";
import type { Store } from "../store/index.ts";

export const STATS_RETENTION_MS = 25 * 60 * 60_000;
export const DEFAULT_LOG_RETENTION_DAYS = 7;
const SWEEP_MS = 60_000;

export interface TelemetryRetentionOptions {
  store: Store;
  log: Logger;
  logRetentionDays?: number;
}

export class TelemetryRetention {
  #timer: NodeJS.Timeout | undefined;

  constructor(private readonly o: TelemetryRetentionOptions) {}

  start(): void {
    this.sweep();
    this.#timer = setInterval(() => this.sweep(), SWEEP_MS);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** Deletes what is past retention at `nowMs`; returns the number of logs deleted. */
  sweep(nowMs = Date.now()): number {
    const { store } = this.o;
    const logsBefore = nowMs - (this.o.logRetentionDays ?? DEFAULT_LOG_RETENTION_DAYS) * 24 * 60 * 60_000;
    let logs = 0;
    try {
      for (const fn of store.functions.list()) {
        store.tx(() => {
          store.invocationStats.prune(fn.id, nowMs - STATS_RETENTION_MS);
          logs += store.telemetry.pruneLogs(fn.id, logsBefore);
        });
      }
    } catch (err) {
      // A busy or closing database: the next sweep tries again.
      this.o.log.warn({ err }, "telemetry retention sweep failed");
    }
    return logs;
  }
}
