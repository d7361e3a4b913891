/** Schema of this folder, registered in store/migrations.ts as version 3. Never edit once shipped: append a new migration. */
import type { Migration } from "../store/migrations.ts";

export const EVENTS_MIGRATION: Migration = {
  version: 3,
  name: "delivery_engine",
  sql: `
    -- The outbox: one row per delivery of an event to one trigger of one function (or, with
    -- trigger_index -1 and kind 'request', one asynchronous invocation). A row is claimed by
    -- taking its lease (lease_owner, lease_until); a lease that ran out is claimed again.
    CREATE TABLE event_deliveries (
      id TEXT PRIMARY KEY,
      event_id TEXT NOT NULL,
      function_id TEXT NOT NULL REFERENCES functions(id) ON DELETE CASCADE,
      trigger_index INTEGER NOT NULL,
      kind TEXT NOT NULL CHECK (kind IN ('event', 'request')),
      -- The event as contract 2.6 shapes it, without metadata.attempt (added per attempt).
      event TEXT NOT NULL,
      -- Queue deliveries of one trigger share a batch key and may be delivered together.
      batch_key TEXT,
      environment TEXT NOT NULL DEFAULT 'prod',
      version INTEGER,
      content_type TEXT,
      query TEXT NOT NULL DEFAULT '',
      payload BLOB,
      status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'dead')),
      attempts INTEGER NOT NULL DEFAULT 0,
      max_attempts INTEGER NOT NULL,
      expires_at INTEGER,
      next_attempt_at INTEGER NOT NULL,
      lease_owner TEXT,
      lease_until INTEGER,
      errors TEXT NOT NULL DEFAULT '[]',
      result TEXT,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      finished_at INTEGER
    );
    CREATE INDEX event_deliveries_due ON event_deliveries (status, next_attempt_at);
    CREATE INDEX event_deliveries_by_lease ON event_deliveries (status, lease_until);
    CREATE INDEX event_deliveries_by_event ON event_deliveries (event_id);
    CREATE INDEX event_deliveries_finished ON event_deliveries (status, finished_at, id);

    -- Idempotency keys seen within their window (24 h); expired rows are pruned.
    CREATE TABLE event_idempotency (
      scope TEXT NOT NULL,
      key TEXT NOT NULL,
      event_id TEXT NOT NULL,
      expires_at INTEGER NOT NULL,
      PRIMARY KEY (scope, key)
    ) WITHOUT ROWID;
    CREATE INDEX event_idempotency_expiry ON event_idempotency (expires_at);

    -- Asynchronous invocations queued before this engine existed ride it from now on.
    INSERT INTO event_deliveries (id, event_id, function_id, trigger_index, kind, event, environment, version,
      content_type, query, payload, status, attempts, max_attempts, next_attempt_at, created_at, updated_at)
    SELECT id, id, function_id, -1, 'request',
      json_object('type', event_type, 'source', 'bunbase/invoke'),
      environment, version, content_type, query, payload, 'queued', attempts, 4, next_attempt_at,
      CAST(strftime('%s', created_at) AS INTEGER) * 1000, CAST(strftime('%s', 'now') AS INTEGER) * 1000
    FROM async_invocations WHERE status IN ('queued', 'running');
    DELETE FROM async_invocations WHERE status IN ('queued', 'running');
  `,
};

/**
 * Schema v6: recursive loop detection (docs/triggers.md#trigger-loops). Each delivery keeps
 * its event's chain depth; each invocation delivering an event of depth >= 1 is remembered
 * with that depth, so `/internal/sdk` can stamp the events its writes publish with depth + 1.
 */
export const EVENT_CHAINS_MIGRATION: Migration = {
  version: 6,
  name: "event_chains",
  sql: `
    ALTER TABLE event_deliveries ADD COLUMN chain_depth INTEGER NOT NULL DEFAULT 0;

    -- Invocations the dispatcher started for events of depth >= 1 (absent: depth 0).
    CREATE TABLE event_chain_invocations (
      invocation_id TEXT PRIMARY KEY,
      depth INTEGER NOT NULL,
      created_at INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX event_chain_invocations_by_age ON event_chain_invocations (created_at);
  `,
};
