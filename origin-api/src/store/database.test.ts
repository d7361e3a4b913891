import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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
