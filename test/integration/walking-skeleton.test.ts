/**
 * Issue 2's end-to-end story, through the real CLI and HTTP only: init, deploy, call
 * through the edge, logs and metrics, v2, rollback to v1, env and secrets, delete.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startPlatform, tempDir, type TestPlatform } from "../helpers/platform.ts";
import { errorOf, eventually } from "../helpers/functions.ts";

let p: TestPlatform;
let dir: string;
const SECRET = "s3cr3t-value-that-must-not-leak-91f2";

before(async () => {
  p = await startPlatform();
  dir = tempDir();
});
after(async () => {
  await p?.stop();
});

function writeHandler(text: string): void {
  writeFileSync(
    join(dir, "greeter", "index.ts"),
    `export async function handler(req: Request, ctx: { env: Record<string, string> }) {
      console.log("serving", new URL(req.url).pathname);
      console.warn("a warning");
      return Response.json({ text: ${JSON.stringify(text)}, greeting: ctx.env.GREETING ?? null, token: process.env.API_TOKEN ?? null });
    }
`,
  );
}

test("init -> deploy -> call -> logs -> metrics -> v2 -> rollback -> env and secrets -> delete", async () => {
  const init = await p.cli(["functions", "init", "greeter", "--runtime", "nodejs20"], { cwd: dir });
  assert.equal(init.code, 0, init.stderr + init.stdout);
  const config = readFileSync(join(dir, "greeter", "function.config.ts"), "utf8");
  assert.match(config, /\/greeter/);

  writeHandler("v1");
  const d1 = await p.cli(["functions", "deploy", "greeter", "--dir", join(dir, "greeter"), "--json"]);
  assert.equal(d1.code, 0, d1.stderr + d1.stdout);
  assert.equal(JSON.parse(d1.stdout).version, 1);
  await p.synced();

  const call = await p.edge("/greeter");
  assert.equal(call.status, 200);
  assert.equal(((await call.json()) as { text: string }).text, "v1");
  assert.equal(call.headers.get("x-bunbase-version"), "1");
  assert.equal(call.headers.get("x-bunbase-cold-start"), "true");
  assert.ok(call.headers.get("x-bunbase-invocation-id"));
  assert.match(call.headers.get("server-timing") ?? "", /run;dur=/);
  // Each edge worker process has its own isolates: within a few calls one must be warm.
  let warmSeen = false;
  let calls = 1;
  for (let i = 0; i < 6 && !warmSeen; i++) {
    const again = await p.edge("/greeter");
    calls++;
    warmSeen = again.headers.get("x-bunbase-cold-start") === "false";
    await again.body?.cancel();
  }
  assert.ok(warmSeen, "no warm invocation in 6 calls");
  // Through the API: the origin hands it to its runner, which reports it.
  const invoked = await p.api("/functions/greeter/invoke", { method: "POST" });
  assert.equal(invoked.status, 200);
  await invoked.body?.cancel();
  calls++;

  const logs = await eventually(async () => {
    const r = await p.cli(["functions", "logs", "greeter", "--json"]);
    const body = JSON.parse(r.stdout) as { logs: { level: string; message: string }[] };
    return body.logs.length >= 4 ? body.logs : undefined;
  });
  assert.ok(logs.some((l) => l.level === "info" && l.message.includes("serving /greeter")));
  assert.ok(logs.some((l) => l.level === "warn" && l.message === "a warning"));

  const metrics = await eventually(async () => {
    const m = (await (await p.api("/functions/greeter/metrics?window=5m")).json()) as {
      invocations: number;
      coldStarts: number;
      duration: { p50: number; p99: number };
    };
    return m.invocations >= calls ? m : undefined;
  });
  assert.ok(metrics.coldStarts >= 1 && metrics.coldStarts < metrics.invocations, JSON.stringify(metrics));
  assert.ok(metrics.duration.p99 >= metrics.duration.p50);
  // Each invocation is counted once: a few shipping intervals later there are no more.
  await new Promise((r) => setTimeout(r, 1_000));
  const settled = (await (await p.api("/functions/greeter/metrics?window=5m")).json()) as { invocations: number };
  assert.equal(settled.invocations, calls);

  writeHandler("v2");
  const d2 = await p.cli(["functions", "deploy", "greeter", "--dir", join(dir, "greeter"), "--json"]);
  assert.equal(d2.code, 0, d2.stderr);
  assert.equal(JSON.parse(d2.stdout).version, 2);
  await p.synced();
  assert.equal(((await (await p.edge("/greeter")).json()) as { text: string }).text, "v2");

  const versions = await p.cli(["functions", "versions", "greeter", "--json"]);
  assert.deepEqual(
    (JSON.parse(versions.stdout) as { versions: { version: number }[] }).versions.map((v) => v.version).sort(),
    [1, 2],
  );
  const rb = await p.cli(["functions", "rollback", "greeter"]);
  assert.equal(rb.code, 0, rb.stderr);
  await p.synced();
  const back = await p.edge("/greeter");
  assert.equal(back.headers.get("x-bunbase-version"), "1");
  assert.equal(((await back.json()) as { text: string }).text, "v1");

  const plain = await p.cli(["functions", "env", "set", "greeter", "GREETING=hello"]);
  assert.equal(plain.code, 0, plain.stderr);
  const secret = await p.cli(["functions", "env", "set", "greeter", `API_TOKEN=${SECRET}`, "--secret"]);
  assert.equal(secret.code, 0, secret.stderr);
  await p.synced();
  const withEnv = (await (await p.edge("/greeter")).json()) as { greeting: string; token: string };
  assert.equal(withEnv.greeting, "hello");
  assert.equal(withEnv.token, SECRET);

  // The secret is in no API output, no log, and not in the SQLite files in plain text.
  const listed = await p.cli(["functions", "env", "list", "greeter", "--json"]);
  assert.ok(listed.stdout.includes("GREETING") && listed.stdout.includes("API_TOKEN"));
  assert.ok(!listed.stdout.includes(SECRET));
  for (const path of [
    "/functions/greeter",
    "/functions/greeter/env",
    "/functions",
    "/functions/greeter/logs?limit=1000",
  ]) {
    assert.ok(!(await (await p.api(path)).text()).includes(SECRET), `${path} leaks the secret`);
  }
  assert.ok(!p.lines.some((line) => line.includes(SECRET)), "a process log line leaks the secret");
  for (const file of readdirSync(p.dataDir)) {
    if (!/\.(db|sqlite)(-wal|-shm)?$/.test(file)) continue;
    assert.ok(!readFileSync(join(p.dataDir, file)).includes(SECRET), `${file} holds the secret in plain text`);
  }

  const del = await p.cli(["functions", "delete", "greeter"]);
  assert.equal(del.code, 0, del.stderr);
  const gone = await p.api("/functions/greeter");
  assert.equal(gone.status, 404);
  assert.equal((await errorOf(gone)).code, "FN_001");
  await p.synced();
  const edgeGone = await p.edge("/greeter");
  assert.equal(edgeGone.status, 404);
  assert.equal((await errorOf(edgeGone)).code, "FN_001");
});
