/**
 * `functions init` scaffolds one sample event per trigger type (events/*.json, contract
 * 2.6 shapes), and `functions test --event` delivers each of them locally to the
 * scaffold's handler, which answers HTTP and events alike.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, tempDir } from "../helpers/platform.ts";

test("every sample event of a new function runs locally with functions test --event", async () => {
  const dir = tempDir("bunbase-scaffold-");
  const init = await runCli(["functions", "init", "demo", "--runtime", "nodejs22"], { cwd: dir });
  assert.equal(init.code, 0, init.stderr + init.stdout);
  const folder = join(dir, "demo");
  const samples = readdirSync(join(folder, "events")).sort();
  assert.deepEqual(samples, [
    "auth.user.create.json",
    "custom.json",
    "database.create.json",
    "database.update.json",
    "queue.json",
    "schedule.json",
    "storage.upload.json",
    "webhook.json",
  ]);
  for (const sample of samples) {
    const event = JSON.parse(readFileSync(join(folder, "events", sample), "utf8")) as Record<string, unknown>;
    for (const field of ["id", "type", "source", "time", "data", "metadata"])
      assert.ok(field in event, `${sample}: ${field}`);
    const run = await runCli(["functions", "test", "--event", `events/${sample}`, "--json"], { cwd: folder });
    assert.equal(run.code, 0, `${sample}: ${run.stderr}${run.stdout}`);
    assert.match(run.stdout, new RegExp(`event ${String(event.type).replace(".", "\\.")} `), sample);
  }
});
