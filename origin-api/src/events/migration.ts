/** Schema of this folder, registered in store/migrations.ts as version 3. Never edit once shipped: append a new migration. */
import type { Migration } from "../store/migrations.ts";

export const EVENTS_MIGRATION: Migration = {
  version: 3,
  name: "delivery_engine",
  sql: `
    SELECT 1;
  `,
};
