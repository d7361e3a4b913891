/**
 * The CLI against a real origin + edge (launchPlatform on a temp data dir, ports 0):
 * init, deploy, call through the edge, invoke, logs, v2, versions, rollback, env,
 * secrets, a failed build that keeps the last good version, delete.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startPlatform, tempDir, type TestPlatform } from "../../test/helpers/platform.ts";
import { eventually } from "../../test/helpers/functions.ts";

let p: TestPlatform;
let dir: string;
let cli: (args: string[]) => ReturnType<TestPlatform["cli"]>;

before(async () => {
  p = await startPlatform();
  const parent = tempDir();
  dir = join(parent, "greeter");
  cli = (args) => p.cli(args, { cwd: parent, env: { BUNBASE_EDGE_URL: p.edgeUrl } });
});
after(async () => {
  await p?.stop();
});

test("deploy creates the function, prints its URL, and the edge serves it", async () => {
  assert.equal((await cli(["functions", "init", "greeter"])).code, 0);
  const d1 = await cli(["functions", "deploy", "greeter", "--dir", dir]);
  assert.equal(d1.code, 0, d1.stderr);
  assert.match(
    d1.stdout,
    new RegExp(`^deployed greeter v1 \\([0-9a-f]{12}, [\\d.]+ k?B\\) -> ${p.edgeUrl}/greeter$`, "m"),
  );
  await p.synced();
  const res = await p.edge("/greeter?name=edge");
  assert.deepEqual(await res.json(), { message: "Hello, edge!", method: "GET" });

  const invoke = await cli(["functions", "invoke", "greeter", "--data", '{"name":"api"}']);
  assert.equal(invoke.code, 0, invoke.stderr);
  assert.deepEqual(JSON.parse(invoke.stdout), { message: "Hello, api!", method: "POST" });
  assert.match(invoke.stderr, /^200 · v1 · /m);

  const list = await cli(["functions", "list"]);
  assert.match(list.stdout, /^greeter +nodejs20 +v1 +- +http \/greeter/m);
  const logs = await eventually(async () => {
    const r = await cli(["functions", "logs", "greeter", "--since", "15m"]);
    return r.stdout.includes("greeting api") ? r.stdout : undefined;
  });
  assert.match(logs, /^\S+ info {2}greeting edge$/m);
});

test("v2, versions, rollback --to 1", async () => {
  const path = join(dir, "index.ts");
  writeFileSync(path, readFileSync(path, "utf8").replace("message: `", "message: `v2 "));
  const d2 = await cli(["functions", "deploy", "greeter", "--dir", dir, "--message", "second", "--json"]);
  assert.equal(d2.code, 0, d2.stderr);
  assert.equal((JSON.parse(d2.stdout) as { version: number }).version, 2);
  const versions = await cli(["functions", "versions", "greeter"]);
  assert.match(versions.stdout, /^v2 +\*prod +ready +[0-9a-f]{12} +\S+ +second$/m);
  const rb = await cli(["functions", "rollback", "greeter", "--to", "1"]);
  assert.equal(rb.code, 0, rb.stderr);
  assert.equal(rb.stdout.trim(), "rolled back greeter (prod) to v1");
  await p.synced();
  assert.equal(((await (await p.edge("/greeter")).json()) as { message: string }).message, "Hello, world!");
});

test("a build error exits 1 with FN_005 diagnostics and the active version keeps serving", async () => {
  appendFileSync(join(dir, "index.ts"), "\nthis is not typescript(\n");
  const bad = await cli(["functions", "deploy", "greeter", "--dir", dir]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^error FN_005: /m);
  assert.match(bad.stderr, /^ {2}index\.ts:\d+:\d+ /m);
  const res = await p.edge("/greeter");
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("x-bunbase-version"), "1");
  await res.body?.cancel();
});

test("env and secrets: set, list without secret values, unset, rotate, delete", async () => {
  assert.equal((await cli(["functions", "env", "set", "greeter", "GREETING=Howdy"])).code, 0);
  const secret = await cli(["functions", "env", "set", "greeter", "TOKEN=s3cr3t-9d1", "--secret"]);
  assert.equal(secret.code, 0, secret.stderr);
  await p.synced();
  assert.equal(((await (await p.edge("/greeter")).json()) as { message: string }).message, "Howdy, world!");
  const listed = await cli(["functions", "env", "list", "greeter"]);
  assert.match(listed.stdout, /^GREETING +Howdy +prod/m);
  assert.match(listed.stdout, /^TOKEN +\(secret\) +prod/m);
  assert.ok(!listed.stdout.includes("s3cr3t-9d1"));
  assert.equal((await cli(["functions", "env", "unset", "greeter", "GREETING"])).code, 0);
  assert.doesNotMatch((await cli(["functions", "env", "list", "greeter"])).stdout, /GREETING/);

  assert.equal((await cli(["functions", "secrets", "set", "DB_PASSWORD=one"])).code, 0);
  assert.match((await cli(["functions", "secrets", "list"])).stdout, /^DB_PASSWORD\b/m);
  const rotate = await cli(["functions", "secrets", "rotate", "DB_PASSWORD=two"]);
  assert.equal(rotate.code, 0, rotate.stderr);
  assert.equal((await cli(["functions", "secrets", "delete", "DB_PASSWORD"])).code, 0);
  assert.doesNotMatch((await cli(["functions", "secrets", "list"])).stdout, /DB_PASSWORD/);
});

test("API errors exit 1 with code and message; delete removes the function", async () => {
  const missing = await cli(["functions", "invoke", "nobody"]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^error FN_001: /m);
  const json = await cli(["functions", "versions", "nobody", "--json"]);
  assert.equal((JSON.parse(json.stdout) as { error: { code: string } }).error.code, "FN_001");
  const badKey = await p.cli(["functions", "list", "--api-key", "wrong"]);
  assert.equal(badKey.code, 1);
  assert.equal((await cli(["functions", "delete", "greeter"])).code, 0);
  assert.equal((await cli(["functions", "versions", "greeter"])).code, 1);
});
