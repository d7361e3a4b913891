/** The `webhook_receipts` table: one row per accepted delivery, so a replay is recognised. */
import type { Db } from "../store/index.ts";

export class ReceiptStore {
  constructor(private readonly db: Db) {}

  /** True when this delivery is new (the row was inserted). */
  claim(functionId: string, triggerIndex: number, deliveryKey: string): boolean {
    return (
      this.db
        .prepare(
          `INSERT OR IGNORE INTO webhook_receipts (function_id, trigger_index, delivery_key, received_at_ms)
           VALUES (?, ?, ?, ?)`,
        )
        .run(functionId, triggerIndex, deliveryKey, Date.now()).changes === 1
    );
  }

  recordEvent(functionId: string, triggerIndex: number, deliveryKey: string, eventId: string): void {
    this.db
      .prepare(
        "UPDATE webhook_receipts SET event_id = ? WHERE function_id = ? AND trigger_index = ? AND delivery_key = ?",
      )
      .run(eventId, functionId, triggerIndex, deliveryKey);
  }

  /** The event the first copy of this delivery became. */
  eventOf(functionId: string, triggerIndex: number, deliveryKey: string): string | null {
    const row = this.db
      .prepare("SELECT event_id FROM webhook_receipts WHERE function_id = ? AND trigger_index = ? AND delivery_key = ?")
      .get(functionId, triggerIndex, deliveryKey) as { event_id: string | null } | undefined;
    return row?.event_id ?? null;
  }

  prune(beforeMs: number): number {
    return this.db.prepare("DELETE FROM webhook_receipts WHERE received_at_ms < ?").run(beforeMs).changes;
  }
}
