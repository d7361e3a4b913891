/**
 * The invocations in flight across the fleet (`concurrency.current` of the metrics): the
 * latest count each reporter (a node's process) sent with its telemetry, in memory only.
 * A reporter not heard from within FRESH_MS is left out: it stopped, or it is idle (a
 * shipper sends once more when its last invocation ends, then goes quiet).
 */

export const FRESH_MS = 5_000;
/** Reports older than this are forgotten, so reporters that went away do not accumulate. */
const FORGET_MS = 60_000;

interface Report {
  atMs: number;
  inFlight: Record<string, number>;
}

export class InFlightBoard {
  readonly #reports = new Map<string, Report>();
  #lastSweepMs = 0;

  report(reporter: string, inFlight: Record<string, number>, nowMs: number): void {
    this.#reports.set(reporter, { atMs: nowMs, inFlight });
    if (nowMs - this.#lastSweepMs < FORGET_MS) return;
    this.#lastSweepMs = nowMs;
    for (const [name, r] of this.#reports) if (nowMs - r.atMs > FORGET_MS) this.#reports.delete(name);
  }

  /** The function's invocations in flight on every reporter heard from within FRESH_MS. */
  current(functionId: string, nowMs: number): number {
    let n = 0;
    for (const r of this.#reports.values()) if (nowMs - r.atMs <= FRESH_MS) n += r.inFlight[functionId] ?? 0;
    return n;
  }
}
