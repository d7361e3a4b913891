/** Schema of this folder, registered in store/migrations.ts as version 5. Never edit once shipped: append a new migration. */
import type { Migration } from "../store/migrations.ts";

export const TRIGGERS_MIGRATION: Migration = {
  version: 5,
  name: "schedules_webhooks",
  sql: `
    SELECT 1;
  `,
};
