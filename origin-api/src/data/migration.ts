/** Schema of this folder, registered in store/migrations.ts as version 4. Never edit once shipped: append a new migration. */
import type { Migration } from "../store/migrations.ts";

export const DATA_MIGRATION: Migration = {
  version: 4,
  name: "services",
  sql: `
    SELECT 1;
  `,
};
