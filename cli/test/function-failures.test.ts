/**
 * `functions test` on functions that fail: each failure exits 1 and prints the contract's
 * code (FN_004 uncaught error, FN_005 build error with file:line:column, FN_006 config path).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, tempDir } from "../../test/helpers/platform.ts";

function fnDir(files: Record<string, string>): string {
  const dir = join(tempDir(), "fn");
  mkdirSync(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const event = JSON.stringify({ method: "GET", path: "/fn" });

test("a throwing handler exits 1 with FN_004 and its error log", async () => {
  const dir = fnDir({
    "function.config.json": JSON.stringify({ triggers: [{ type: "http", path: "/fn" }] }),
    "index.ts": `export async function handler(_req: Request): Promise<Response> {\n  console.warn("about to fail");\n  throw new Error("kaboom");\n}\n`,
    "event.json": event,
  });
  const r = await runCli(["functions", "test", dir, "--event", join(dir, "event.json")]);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /^error FN_004: .*kaboom/m);
  assert.match(r.stdout, /warn {2}about to fail/);
  const json = await runCli(["functions", "test", dir, "--event", join(dir, "event.json"), "--json"]);
  assert.equal(json.code, 1);
  assert.equal((JSON.parse(json.stdout) as { error: { code: string } }).error.code, "FN_004");
});

test("a build error exits 1 with FN_005 and file:line:column diagnostics", async () => {
  const dir = fnDir({
    "function.config.json": "{}",
    "index.ts": `import { nothing } from "./missing.ts";\nexport const handler = () => new Response(nothing);\n`,
    "event.json": event,
  });
  const r = await runCli(["functions", "test", dir, "--event", join(dir, "event.json")]);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /^error FN_005: /m);
  assert.match(r.stderr, /^ {2}index\.ts:1:\d+ .*missing/m);
});

test("an invalid config exits 1 with FN_006 naming the field", async () => {
  const dir = fnDir({
    "function.config.json": JSON.stringify({ memory: 1 }),
    "index.ts": `export const handler = () => new Response("x");\n`,
    "event.json": event,
  });
  const r = await runCli(["functions", "test", dir, "--event", join(dir, "event.json")]);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /^error FN_006: .*memory/m);
});

test("a missing or malformed event file is bad usage (exit 2)", async () => {
  const dir = fnDir({ "index.ts": `export const handler = () => new Response("x");\n`, "bad.json": "{nope" });
  assert.equal((await runCli(["functions", "test", dir, "--event", join(dir, "none.json")])).code, 2);
  assert.equal((await runCli(["functions", "test", dir, "--event", join(dir, "bad.json")])).code, 2);
});
