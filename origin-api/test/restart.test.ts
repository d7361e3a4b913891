import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { nodeArgs, REPO_ROOT } from "../../core/index.ts";
import { createAndDeploy, json, startOrigin } from "./origin-process.ts";

test("a restart keeps data and keys, and applies no migration twice", async () => {
  const first = await startOrigin();
  try {
    for (const file of ["admin.key", "node.key", "master.key"]) {
      assert.equal(statSync(join(first.dataDir, file)).mode & 0o777, 0o600, `${file} is 0600`);
    }
    assert.ok(
      first.lines.some((l) => l.includes("admin.key")),
      "the log says where the admin key is",
    );
    await json(await first.api("/functions", { method: "POST", json: { name: "survivor" } }), 201);
    await json(await first.api("/secrets", { method: "POST", json: { name: "KEEP", value: "kept" } }), 201);
  } finally {
    await first.stop(true);
  }
  const second = await startOrigin({ dataDir: first.dataDir });
  try {
    assert.equal(second.adminKey, first.adminKey);
    assert.equal(second.nodeKey, first.nodeKey);
    await json(await second.api("/functions/survivor"), 200);
    const db = new Database(join(second.dataDir, "bunbase.db"), { readonly: true });
    const rows = db.prepare("SELECT version, COUNT(*) AS n FROM schema_migrations GROUP BY version").all() as {
      n: number;
    }[];
    db.close();
    assert.ok(rows.length > 0 && rows.every((r) => r.n === 1));
  } finally {
    await second.stop();
  }
});

test("a BUNBASE_MASTER_KEY that is not 32 bytes of base64: a clear error and exit 1", () => {
  const dir = mkdtempSync(join(tmpdir(), "bunbase-mk-"));
  try {
    const result = spawnSync(process.execPath, [...nodeArgs(), join(REPO_ROOT, "origin-api", "main.ts")], {
      env: {
        ...process.env,
        PORT: "0",
        BUNBASE_DATA_DIR: dir,
        BUNBASE_MASTER_KEY: Buffer.alloc(16).toString("base64"),
      },
      encoding: "utf8",
      timeout: 30_000,
    });
    assert.equal(result.status, 1);
    assert.match(result.stdout, /BUNBASE_MASTER_KEY must be 32 bytes/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("queued async invocations are resumed after a restart", async () => {
  const first = await startOrigin();
  let fnId: string;
  try {
    await createAndDeploy(
      first,
      { name: "resumed" },
      { "index.ts": "export function handler() { return new Response('resumed ok'); }" },
    );
    fnId = (await json<{ id: string }>(await first.api("/functions/resumed"), 200)).id;
  } finally {
    await first.stop(true);
  }
  // As if the process died with one invocation queued and one running (its lease ran out).
  const db = new Database(join(first.dataDir, "bunbase.db"));
  const insert = db.prepare(`INSERT INTO event_deliveries (id, event_id, function_id, trigger_index, kind, event,
      status, attempts, max_attempts, next_attempt_at, lease_owner, lease_until, created_at, updated_at)
    VALUES (?, ?, ?, -1, 'request', '{"type":null,"source":"bunbase/invoke"}', ?, ?, 4, 0, ?, ?, 0, 0)`);
  insert.run("inv_queued", "inv_queued", fnId, "queued", 0, null, null);
  insert.run("inv_running", "inv_running", fnId, "running", 1, "a-process-that-died", 0);
  db.close();
  const second = await startOrigin({ dataDir: first.dataDir });
  try {
    for (const id of ["inv_queued", "inv_running"]) {
      const deadline = Date.now() + 20_000;
      let status: { status: string; result?: { body: string } };
      do {
        await new Promise((r) => setTimeout(r, 100));
        status = await json(await second.api(`/functions/resumed/invocations/${id}`), 200);
      } while (status.status !== "succeeded" && Date.now() < deadline);
      assert.equal(status.status, "succeeded", id);
      assert.equal(status.result?.body, "resumed ok", JSON.stringify(status));
    }
  } finally {
    await second.stop();
  }
});
