import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { histogramIndex } from "../../../core/index.ts";
import { MIGRATIONS, migrate, openDatabase } from "./index.ts";

test("migrations apply once and are idempotent on reopen", () => {
  const dir = mkdtempSync(join(tmpdir(), "bunbase-db-"));
  try {
    const path = join(dir, "t.db");
    const first = openDatabase(path);
    const applied = first.prepare("SELECT version FROM schema_migrations").all() as { version: number }[];
    assert.deepEqual(
      applied.map((r) => r.version),
      MIGRATIONS.map((m) => m.version),
    );
    first.prepare("UPDATE meta SET value = 7 WHERE key = 'revision'").run();
    assert.deepEqual(migrate(first, MIGRATIONS), []);
    first.close();
    const second = openDatabase(path);
    assert.equal((second.prepare("SELECT value FROM meta WHERE key = 'revision'").get() as { value: number }).value, 7);
    assert.equal(second.pragma("journal_mode", { simple: true }), "wal");
    assert.equal(second.pragma("foreign_keys", { simple: true }), 1);
    const extra = [...MIGRATIONS, { version: 999, name: "extra", sql: "CREATE TABLE extra (x INTEGER)" }];
    assert.deepEqual(migrate(second, extra), [999]);
    assert.deepEqual(migrate(second, extra), []);
    second.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("an existing store keeps its API keys when migration 7 rebuilds api_keys for the public role", () => {
  const dir = mkdtempSync(join(tmpdir(), "bunbase-db-"));
  try {
    const path = join(dir, "t.db");
    const before = openDatabase(
      path,
      MIGRATIONS.filter((m) => m.version < 7),
    );
    before
      .prepare("INSERT INTO api_keys (id, name, role, hash, created_at) VALUES (?, ?, ?, ?, ?)")
      .run("key_1", "admin", "admin", "h1", "2026-01-01T00:00:00.000Z");
    assert.throws(() =>
      before
        .prepare("INSERT INTO api_keys (id, name, role, hash, created_at) VALUES (?, ?, ?, ?, ?)")
        .run("key_2", "web", "public", "h2", "2026-01-01T00:00:00.000Z"),
    );
    before.close();
    const after = openDatabase(path);
    assert.deepEqual(after.prepare("SELECT id, role, hash FROM api_keys").all(), [
      { id: "key_1", role: "admin", hash: "h1" },
    ]);
    after
      .prepare("INSERT INTO api_keys (id, name, role, hash, created_at) VALUES (?, ?, ?, ?, ?)")
      .run("key_2", "web", "public", "h2", "2026-01-01T00:00:00.000Z");
    assert.throws(() =>
      after
        .prepare("INSERT INTO api_keys (id, name, role, hash, created_at) VALUES (?, ?, ?, ?, ?)")
        .run("key_3", "x", "root", "h3", "2026-01-01T00:00:00.000Z"),
    );
    after.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("migration 8 folds the last 25 hours of invocation rows into aggregates and drops the table", () => {
  const dir = mkdtempSync(join(tmpdir(), "bunbase-db-"));
  try {
    const path = join(dir, "t.db");
    const before = openDatabase(
      path,
      MIGRATIONS.filter((m) => m.version < 8),
    );
    const insert = before.prepare(
      `INSERT INTO invocations (id, function_id, version, environment, trigger, started_at, duration_ms, status,
         error_code, cold_start, cpu_ms, memory_mb, node) VALUES (?, 'fn_a', 1, 'prod', 'http', ?, ?, ?, ?, ?, ?, ?, 'n')`,
    );
    const t = Math.floor(Date.now() / 10_000) * 10_000 - 60_000;
    insert.run("i1", t + 1, 10, 200, null, 1, 2, 30);
    insert.run("i2", t + 2, 20, 504, "FN_002", 0, 4, null);
    insert.run("i3", t + 3, 0, 503, null, 0, null, null);
    insert.run("i4", t + 10_000, 40, 200, null, 0, null, null);
    insert.run("old", t - 26 * 3_600_000, 5, 200, null, 0, null, null);
    before.close();

    const db = openDatabase(path);
    const stats = db.prepare("SELECT * FROM invocation_stats WHERE span_ms = 10000 ORDER BY bucket_start").all();
    assert.deepEqual(stats, [
      {
        function_id: "fn_a",
        span_ms: 10_000,
        bucket_start: t,
        invocations: 3,
        errors: 2,
        cold_starts: 1,
        duration_sum_ms: 30,
        cpu_count: 2,
        cpu_sum: 6,
        cpu_max: 4,
        memory_count: 1,
        memory_sum: 30,
        memory_max: 30,
        peak: 0,
      },
      {
        function_id: "fn_a",
        span_ms: 10_000,
        bucket_start: t + 10_000,
        invocations: 1,
        errors: 0,
        cold_starts: 0,
        duration_sum_ms: 40,
        cpu_count: 0,
        cpu_sum: 0,
        cpu_max: 0,
        memory_count: 0,
        memory_sum: 0,
        memory_max: 0,
        peak: 0,
      },
    ]);
    const rollups = db.prepare("SELECT SUM(invocations) AS n FROM invocation_stats WHERE span_ms = 300000").get();
    assert.deepEqual(rollups, { n: 4 });
    const hist = db
      .prepare("SELECT idx, count FROM invocation_histograms WHERE span_ms = 10000 AND bucket_start = ? ORDER BY idx")
      .all(t) as { idx: number; count: number }[];
    assert.deepEqual(
      hist,
      [0, 10, 20].map((ms) => ({ idx: histogramIndex(ms), count: 1 })),
    );
    assert.deepEqual(db.prepare("SELECT span_ms, code, count FROM invocation_codes").all(), [
      { span_ms: 10_000, code: "FN_002", count: 1 },
      { span_ms: 300_000, code: "FN_002", count: 1 },
    ]);
    assert.equal(db.prepare("SELECT name FROM sqlite_master WHERE name = 'invocations'").get(), undefined);
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
