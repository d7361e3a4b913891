/**
 * Scenario: a function writes 100 MB of console output (100 lines of 1 MB), and another
 * writes 100,000 short lines. The invocation must finish (or fail cleanly with a contract
 * error), the stored logs of that invocation must be capped (at most ~1,000 lines plus one
 * truncation notice), and both processes must survive.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { eventually } from "../helpers/functions.ts";
import type { TestPlatform } from "../helpers/platform.ts";
import { assertHostSurvived, deployHandler, usePlatform } from "./harness.ts";

const platform = usePlatform();

interface LogRecord {
  message: string;
  invocationId: string;
}

/** Every stored record of one invocation, following the cursor. */
async function logsOf(p: TestPlatform, fn: string, invocationId: string): Promise<LogRecord[]> {
  const all: LogRecord[] = [];
  let cursor = "";
  for (let page = 0; page < 20; page++) {
    const res = await p.api(`/functions/${fn}/logs?invocationId=${invocationId}&limit=1000&cursor=${cursor}`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { logs: LogRecord[]; nextCursor: string | null };
    all.push(...body.logs);
    if (!body.nextCursor) break;
    cursor = encodeURIComponent(body.nextCursor);
  }
  return all;
}

const FLOODS: Record<string, string> = {
  "huge-lines": `const line = "x".repeat(1024 * 1024); for (let i = 0; i < 100; i++) console.log(line);`,
  "many-lines": `for (let i = 0; i < 100_000; i++) console.log("line " + i);`,
};

test("100 MB of console output: logs capped per invocation, processes survive", async () => {
  const { p, host } = platform();
  for (const [name, flood] of Object.entries(FLOODS)) {
    await deployHandler(p, name, `export function handler() { ${flood} return new Response("done"); }`, {
      timeout: 30,
    });
    const res = await p.edge(`/${name}`);
    const invocationId = res.headers.get("x-bunbase-invocation-id");
    assert.ok(invocationId, "no invocation id");
    const text = await res.text();
    if (res.status === 200) assert.equal(text, "done");
    else assert.match(text, /"code":"FN_00[234]"/, `${name} failed without a contract error: ${text}`);

    const logs = await eventually(async () => {
      const found = await logsOf(p, name, invocationId);
      return found.some((log) => /truncated/i.test(log.message)) ? found : undefined;
    }, 15_000);
    assert.ok(logs.length <= 1001, `${name}: ${logs.length} log records stored for one invocation`);
    const bytes = logs.reduce((sum, log) => sum + log.message.length, 0);
    assert.ok(bytes <= 512 * 1024, `${name}: ${bytes} bytes of logs stored for one invocation`);
    assert.ok(logs.every((log) => log.invocationId === invocationId));
    console.log(`${name}: status ${res.status}, ${logs.length} records, ${bytes} bytes stored`);
    await assertHostSurvived(p, host);
  }
});
