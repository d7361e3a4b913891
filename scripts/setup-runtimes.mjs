#!/usr/bin/env node
// Installs the runtime binaries origin workers run functions with (Node 18/20/22, Bun,
// Deno) into origin-api/runtimes/node_modules from its lockfile. Idempotent: a stamp holds
// the hash of package.json + package-lock.json, and `npm ci` runs only when a binary is
// missing or the lock changed. Python and Go come from the system (scripts/setup-system.sh).
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const dir = join(root, "origin-api/runtimes");
const modules = join(dir, "node_modules");
const stampFile = join(modules, ".bunbase-runtimes-stamp");
// Keep in step with RUNTIME_BINARIES in origin-api/src/workers/runtimes/runtime-status.ts.
const binaries = ["node18/bin/node", "node20/bin/node", "node22/bin/node", "bun/bin/bun.exe", "deno/deno"];

function fail(message) {
  console.error(`setup-runtimes: ${message}`);
  process.exit(1);
}

function lockHash() {
  const hash = createHash("sha256");
  for (const name of ["package.json", "package-lock.json"]) {
    const file = join(dir, name);
    if (!existsSync(file)) fail(`${file} is missing`);
    hash.update(readFileSync(file));
  }
  return hash.digest("hex");
}

const wanted = lockHash();
const missing = binaries.filter((bin) => !existsSync(join(modules, bin)));
const stamp = existsSync(stampFile) ? readFileSync(stampFile, "utf8").trim() : "";
if (missing.length === 0 && stamp === wanted) process.exit(0);

const why = missing.length ? `missing ${missing.join(", ")}` : "lockfile changed";
console.log(`setup-runtimes: installing runtime binaries into origin-api/runtimes (${why})...`);
const started = Date.now();
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const result = spawnSync(npm, ["ci", "--prefix", dir, "--no-audit", "--no-fund", "--loglevel=error"], {
  stdio: ["ignore", "inherit", "inherit"],
  cwd: root,
});
if (result.error) fail(`could not run npm: ${result.error.message}`);
if (result.status !== 0) fail(`npm ci failed (exit ${result.status}); origin workers cannot run Node, Bun or Deno`);

const stillMissing = binaries.filter((bin) => !existsSync(join(modules, bin)));
if (stillMissing.length) {
  fail(`npm ci succeeded but these binaries are missing: ${stillMissing.join(", ")} (install scripts disabled?)`);
}
writeFileSync(stampFile, wanted + "\n");
console.log(`setup-runtimes: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
