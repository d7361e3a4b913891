/**
 * Numbered schema migrations. Each runs once, inside a transaction, and is recorded in
 * `schema_migrations`; a restart applies only what is new. Never edit a shipped entry:
 * append a new one.
 */
import { DATA_MIGRATION } from "../data/migration.ts";
import { EVENT_CHAINS_MIGRATION, EVENTS_MIGRATION } from "../events/migration.ts";
import { TRIGGERS_MIGRATION } from "../triggers/migration.ts";
import { INVOCATION_STATS_MIGRATION } from "./stats-migration.ts";

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "initial",
    sql: `
      CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
      INSERT INTO meta (key, value) VALUES ('revision', 1);

      CREATE TABLE functions (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        config TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );

      CREATE TABLE versions (
        function_id TEXT NOT NULL REFERENCES functions(id) ON DELETE CASCADE,
        version INTEGER NOT NULL,
        bundle_hash TEXT NOT NULL,
        export_name TEXT NOT NULL,
        size_bytes INTEGER NOT NULL,
        config TEXT NOT NULL,
        environment TEXT NOT NULL,
        message TEXT,
        status TEXT NOT NULL,
        warnings TEXT NOT NULL DEFAULT '[]',
        created_at TEXT NOT NULL,
        PRIMARY KEY (function_id, version)
      );

      CREATE TABLE active_versions (
        function_id TEXT NOT NULL REFERENCES functions(id) ON DELETE CASCADE,
        environment TEXT NOT NULL,
        version INTEGER NOT NULL,
        previous_version INTEGER,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (function_id, environment)
      );

      CREATE TABLE env_vars (
        function_id TEXT NOT NULL REFERENCES functions(id) ON DELETE CASCADE,
        environment TEXT NOT NULL,
        key TEXT NOT NULL,
        value TEXT,
        ciphertext BLOB,
        iv BLOB,
        tag BLOB,
        secret INTEGER NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (function_id, environment, key)
      );

      CREATE TABLE project_secrets (
        name TEXT NOT NULL,
        environment TEXT NOT NULL,
        ciphertext BLOB NOT NULL,
        iv BLOB NOT NULL,
        tag BLOB NOT NULL,
        version INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (name, environment)
      );

      CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('admin', 'deployer', 'viewer', 'node')),
        hash TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        last_used TEXT
      );

      CREATE TABLE invocations (
        id TEXT PRIMARY KEY,
        function_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        environment TEXT NOT NULL,
        trigger TEXT NOT NULL,
        started_at INTEGER NOT NULL,
        duration_ms REAL NOT NULL,
        status INTEGER NOT NULL,
        error_code TEXT,
        cold_start INTEGER NOT NULL,
        cpu_ms REAL,
        memory_mb REAL,
        node TEXT
      );
      CREATE INDEX invocations_by_function_time ON invocations (function_id, started_at);

      CREATE TABLE logs (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        function_id TEXT NOT NULL,
        time TEXT NOT NULL,
        time_ms INTEGER NOT NULL,
        level INTEGER NOT NULL,
        message TEXT NOT NULL,
        invocation_id TEXT,
        version INTEGER,
        fields TEXT
      );
      CREATE INDEX logs_by_function_time ON logs (function_id, time_ms, seq);
      CREATE INDEX logs_by_invocation ON logs (invocation_id);

      CREATE TABLE async_invocations (
        id TEXT PRIMARY KEY,
        function_id TEXT NOT NULL REFERENCES functions(id) ON DELETE CASCADE,
        environment TEXT NOT NULL,
        version INTEGER,
        status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        event_type TEXT,
        content_type TEXT,
        query TEXT NOT NULL DEFAULT '',
        payload BLOB,
        result TEXT,
        error TEXT,
        next_attempt_at INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX async_by_status ON async_invocations (status, next_attempt_at);
    `,
  },
  {
    version: 2,
    name: "edge_nodes",
    sql: `
      CREATE TABLE edge_nodes (
        name TEXT PRIMARY KEY,
        region TEXT NOT NULL,
        url TEXT NOT NULL,
        revision INTEGER NOT NULL,
        workers INTEGER NOT NULL,
        started_at TEXT NOT NULL,
        last_seen_ms INTEGER NOT NULL
      );
      CREATE INDEX edge_nodes_by_last_seen ON edge_nodes (last_seen_ms);
    `,
  },
  // Each folder owns its schema (issue 7): the delivery engine, the services, schedules and webhooks.
  EVENTS_MIGRATION,
  DATA_MIGRATION,
  TRIGGERS_MIGRATION,
  EVENT_CHAINS_MIGRATION,
  {
    version: 7,
    name: "public_key_role",
    // SQLite cannot change a CHECK constraint in place: the table is rebuilt
    // (https://www.sqlite.org/lang_altertable.html#otheralter). Nothing references api_keys.
    sql: `
      CREATE TABLE api_keys_new (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('admin', 'deployer', 'viewer', 'node', 'public')),
        hash TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        last_used TEXT
      );
      INSERT INTO api_keys_new (id, name, role, hash, created_at, last_used)
        SELECT id, name, role, hash, created_at, last_used FROM api_keys;
      DROP TABLE api_keys;
      ALTER TABLE api_keys_new RENAME TO api_keys;
    `,
  },
  INVOCATION_STATS_MIGRATION,
];
