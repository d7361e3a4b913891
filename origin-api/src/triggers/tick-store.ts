/** The `schedule_ticks` table: claims that make each tick fire once, and what the API shows. */
import type { Db } from "../store/index.ts";

export interface TickRow {
  triggerIndex: number;
  tickMs: number;
  firedAtMs: number;
  catchUp: boolean;
  eventId: string | null;
}

interface RawTick {
  trigger_index: number;
  tick_ms: number;
  fired_at_ms: number;
  catch_up: number;
  event_id: string | null;
}

const toRow = (r: RawTick): TickRow => ({
  triggerIndex: r.trigger_index,
  tickMs: r.tick_ms,
  firedAtMs: r.fired_at_ms,
  catchUp: r.catch_up === 1,
  eventId: r.event_id,
});

export class TickStore {
  constructor(private readonly db: Db) {}

  /** True when this caller inserted the row, i.e. owns the tick and must deliver it. */
  claim(functionId: string, triggerIndex: number, tickMs: number, catchUp: boolean): boolean {
    const result = this.db
      .prepare(
        `INSERT OR IGNORE INTO schedule_ticks (function_id, trigger_index, tick_ms, fired_at_ms, catch_up)
         VALUES (?, ?, ?, ?, ?)`,
      )
      .run(functionId, triggerIndex, tickMs, Date.now(), catchUp ? 1 : 0);
    return result.changes === 1;
  }

  recordEvent(functionId: string, triggerIndex: number, tickMs: number, eventId: string): void {
    this.db
      .prepare("UPDATE schedule_ticks SET event_id = ? WHERE function_id = ? AND trigger_index = ? AND tick_ms = ?")
      .run(eventId, functionId, triggerIndex, tickMs);
  }

  /** The latest tick any scheduler fired for this trigger (epoch ms). */
  lastFired(functionId: string, triggerIndex: number): number | undefined {
    const row = this.db
      .prepare("SELECT MAX(tick_ms) AS t FROM schedule_ticks WHERE function_id = ? AND trigger_index = ?")
      .get(functionId, triggerIndex) as { t: number | null };
    return row.t ?? undefined;
  }

  recent(functionId: string, triggerIndex: number, limit: number): TickRow[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM schedule_ticks WHERE function_id = ? AND trigger_index = ?
         ORDER BY tick_ms DESC LIMIT ?`,
      )
      .all(functionId, triggerIndex, limit) as RawTick[];
    return rows.map(toRow);
  }

  /** Drops ticks older than `beforeMs`, keeping each trigger's latest (the missed-tick policy needs it). */
  prune(beforeMs: number): number {
    return this.db
      .prepare(
        `DELETE FROM schedule_ticks WHERE tick_ms < ? AND tick_ms < (
           SELECT MAX(t.tick_ms) FROM schedule_ticks t
           WHERE t.function_id = schedule_ticks.function_id AND t.trigger_index = schedule_ticks.trigger_index)`,
      )
      .run(beforeMs).changes;
  }
}
