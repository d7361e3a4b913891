#!/usr/bin/env node
// `npm test`: installs the system packages and the origin workers' runtimes the tests need
// (idempotent), then runs every
// *.test.ts with Node's test runner under the flags isolated-vm needs.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
for (const [command, script] of [
  ["bash", "scripts/setup-system.sh"],
  [process.execPath, "scripts/setup-runtimes.mjs"],
]) {
  const setup = spawnSync(command, [join(root, script)], { stdio: "inherit" });
  if (setup.status !== 0) process.exit(setup.status ?? 1);
}

const roots = ["core", "bundler", "sdk", "edge-node", "origin-api", "geo", "cli", "test"];
const only = process.argv.slice(2);
const files = [];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name === "fixtures" || name.startsWith(".")) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith(".test.ts")) files.push(relative(root, path));
  }
}
for (const r of roots) {
  try {
    walk(join(root, r));
  } catch (err) {
    if (err.code !== "ENOENT") throw err;
  }
}
const selected = only.length ? files.filter((f) => only.some((o) => f.includes(o))) : files;
if (selected.length === 0) {
  console.error("no test files matched");
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  [
    "--no-node-snapshot",
    "--import",
    "tsx",
    "--test",
    "--test-concurrency=2",
    "--test-timeout=120000",
    ...selected.sort(),
  ],
  { stdio: "inherit", cwd: root },
);
process.exit(result.status ?? 1);
