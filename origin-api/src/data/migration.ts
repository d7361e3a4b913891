/** Schema of this folder, registered in store/migrations.ts as version 4. Never edit once shipped: append a new migration. */
import type { Migration } from "../store/migrations.ts";

export const DATA_MIGRATION: Migration = {
  version: 4,
  name: "services",
  sql: `
    -- db: one row per document; data is the whole document as JSON, its id included.
    CREATE TABLE documents (
      collection TEXT NOT NULL,
      id TEXT NOT NULL,
      data TEXT NOT NULL,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      PRIMARY KEY (collection, id)
    ) WITHOUT ROWID;

    -- storage: the bytes live in <data dir>/storage/<bucket>/<path>; this is their metadata.
    CREATE TABLE storage_objects (
      bucket TEXT NOT NULL,
      path TEXT NOT NULL,
      size INTEGER NOT NULL,
      content_type TEXT NOT NULL,
      etag TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      PRIMARY KEY (bucket, path)
    ) WITHOUT ROWID;

    -- auth: email is stored lower-cased; password_hash is "scrypt$N$r$p$salt$hash" (base64).
    CREATE TABLE auth_users (
      id TEXT PRIMARY KEY,
      email TEXT NOT NULL UNIQUE,
      password_hash TEXT NOT NULL,
      profile TEXT NOT NULL DEFAULT '{}',
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      last_login_at TEXT
    );
  `,
};
