/** Exit codes of the real CLI: 2 for bad usage, 1 with a hint when the API is not running. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { runCli } from "../../test/helpers/platform.ts";

test("bad usage exits 2 with a short usage line", async () => {
  const unknown = await runCli(["functions", "frobnicate"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command: functions frobnicate/);
  const flag = await runCli(["functions", "list", "--nope"]);
  assert.equal(flag.code, 2);
  assert.match(flag.stderr, /usage: bunbase functions list/);
  const missing = await runCli(["functions", "deploy"]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /usage: bunbase functions deploy <name>/);
  assert.equal((await runCli([])).code, 2);
});

test("--help exits 0 and lists the command's flags", async () => {
  const help = await runCli(["functions", "invoke", "--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--data <json>/);
  assert.match(help.stdout, /--api-url <url>/);
});

test("an API that is not running: exit 1 and how to start it", async () => {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await new Promise((r) => server.close(r));
  const r = await runCli(["functions", "list", "--api-url", url]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`cannot reach the API at ${url}: is it running\\? \\(npm start\\)`));
  const env = await runCli(["functions", "logs", "greeter"], { env: { BUNBASE_API_URL: url } });
  assert.equal(env.code, 1);
  assert.match(env.stderr, /cannot reach the API/);
});
