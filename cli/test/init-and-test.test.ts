/**
 * `functions init` and `functions test` through the real `bin/bunbase.mjs`: the scaffold's
 * own unit test passes, and running it once locally prints the response, logs and timing.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, tempDir } from "../../test/helpers/platform.ts";

test("init scaffolds a folder whose index.test.ts passes with node --import tsx --test", async () => {
  const parent = tempDir();
  const init = await runCli(["functions", "init", "greeter", "--runtime", "nodejs20", "--dir", parent]);
  assert.equal(init.code, 0, init.stderr);
  const dir = join(parent, "greeter");
  for (const file of [
    "function.config.ts",
    "index.ts",
    "test-event.json",
    "index.test.ts",
    "tsconfig.json",
    "README.md",
  ]) {
    assert.ok(existsSync(join(dir, file)), `${file} missing`);
  }
  const config = readFileSync(join(dir, "function.config.ts"), "utf8");
  assert.match(config, /import \{ defineConfig \} from "@bunbase\/functions"/);
  assert.match(config, /path: "\/greeter", methods: \["GET", "POST"\]/);
  assert.deepEqual(JSON.parse(readFileSync(join(dir, "test-event.json"), "utf8")), {
    method: "POST",
    path: "/greeter",
    headers: { "content-type": "application/json" },
    body: { name: "world" },
  });
  // Without NODE_TEST_CONTEXT the child reports as a standalone run (TAP on stdout).
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  const run = spawnSync(
    process.execPath,
    ["--import", import.meta.resolve("tsx"), "--test", "--test-reporter=tap", "index.test.ts"],
    {
      cwd: dir,
      env,
      encoding: "utf8",
    },
  );
  assert.equal(run.status, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /# pass 2/);
});

test("functions test --event runs the scaffold once: response, logs, duration, exit 0", async () => {
  const parent = tempDir();
  assert.equal((await runCli(["functions", "init", "greeter", "--dir", parent])).code, 0);
  const dir = join(parent, "greeter");
  const human = await runCli(["functions", "test", "--event", "test-event.json"], { cwd: dir });
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /^status 200$/m);
  assert.match(human.stdout, /^content-type: application\/json$/m);
  assert.match(human.stdout, /\{"message":"Hello, world!","method":"POST"\}/);
  assert.match(human.stdout, /^ {2}info {2}greeting world$/m);
  assert.match(human.stdout, /^duration [\d.]+ ms \(cold start\)$/m);

  const json = await runCli(["functions", "test", dir, "--event", join(dir, "test-event.json"), "--json"]);
  assert.equal(json.code, 0, json.stderr);
  const doc = JSON.parse(json.stdout) as {
    response: { status: number; body: string };
    logs: { level: string }[];
    durationMs: number;
  };
  assert.equal(doc.response.status, 200);
  assert.deepEqual(JSON.parse(doc.response.body), { message: "Hello, world!", method: "POST" });
  assert.equal(doc.logs[0].level, "info");
  assert.ok(doc.durationMs > 0);
});

test("init refuses to overwrite an existing folder and unknown runtimes (exit 2)", async () => {
  const parent = tempDir();
  assert.equal((await runCli(["functions", "init", "greeter", "--dir", parent])).code, 0);
  const again = await runCli(["functions", "init", "greeter", "--dir", parent]);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /already exists/);
  const runtime = await runCli(["functions", "init", "other", "--dir", parent, "--runtime", "cobol"]);
  assert.equal(runtime.code, 2);
  assert.match(runtime.stderr, /no scaffold for runtime "cobol"/);
  const name = await runCli(["functions", "init", "Bad_Name", "--dir", parent]);
  assert.equal(name.code, 2);
});

test("init scaffolds Python and Go functions for origin workers", async () => {
  const parent = tempDir();
  assert.equal((await runCli(["functions", "init", "py", "--runtime", "python3.11", "--dir", parent])).code, 0);
  assert.match(readFileSync(join(parent, "py", "main.py"), "utf8"), /^def handler\(request\):/m);
  assert.equal(JSON.parse(readFileSync(join(parent, "py", "function.config.json"), "utf8")).handler, "main.handler");
  assert.equal((await runCli(["functions", "init", "gofn", "--runtime", "go1.x", "--dir", parent])).code, 0);
  assert.match(
    readFileSync(join(parent, "gofn", "handler.go"), "utf8"),
    /func Handler\(w http\.ResponseWriter, r \*http\.Request\)/,
  );
  assert.equal(JSON.parse(readFileSync(join(parent, "gofn", "function.config.json"), "utf8")).handler, "Handler");
});
