/** Schema of this folder, registered in store/migrations.ts as version 5. Never edit once shipped: append a new migration. */
import type { Migration } from "../store/migrations.ts";

export const TRIGGERS_MIGRATION: Migration = {
  version: 5,
  name: "schedules_webhooks",
  sql: `
    -- One row per fired tick: the primary key is the claim that makes a tick fire once,
    -- however many schedulers share the database.
    CREATE TABLE schedule_ticks (
      function_id TEXT NOT NULL REFERENCES functions(id) ON DELETE CASCADE,
      trigger_index INTEGER NOT NULL,
      tick_ms INTEGER NOT NULL,
      fired_at_ms INTEGER NOT NULL,
      catch_up INTEGER NOT NULL DEFAULT 0,
      event_id TEXT,
      PRIMARY KEY (function_id, trigger_index, tick_ms)
    ) WITHOUT ROWID;

    -- One row per accepted webhook delivery: a replay of the same delivery is not queued again.
    CREATE TABLE webhook_receipts (
      function_id TEXT NOT NULL REFERENCES functions(id) ON DELETE CASCADE,
      trigger_index INTEGER NOT NULL,
      delivery_key TEXT NOT NULL,
      received_at_ms INTEGER NOT NULL,
      event_id TEXT,
      PRIMARY KEY (function_id, trigger_index, delivery_key)
    ) WITHOUT ROWID;
    CREATE INDEX webhook_receipts_by_time ON webhook_receipts (received_at_ms);
  `,
};
