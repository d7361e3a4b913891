/** `bunbase start` (npm start): both processes, examples deployed once, URLs printed, Ctrl-C stops. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../../test/helpers/platform.ts";
import { startForeground } from "./foreground-process.ts";

test("first start deploys examples/hello and prints how to call it; the second start does not redeploy", async () => {
  const dataDir = tempDir("bunbase-start-");
  const first = startForeground(["start"], { cwd: dataDir, env: { BUNBASE_DATA_DIR: dataDir } });
  try {
    await first.waitFor(/Ctrl-C to stop/);
    assert.match(first.output(), /^deployed hello v1 /m);
    assert.match(first.output(), /^admin key +\S*admin\.key/m);
    const [, url] = first.output().match(/^ {2}curl (http:\/\/\S+\/hello)$/m) ?? [];
    assert.ok(url, first.output());
    const res = await fetch(`${url}?name=you`);
    assert.equal(await res.text(), "Hello from Bunbase, you!\n");
    assert.ok(existsSync(join(dataDir, ".examples-deployed")));
  } finally {
    assert.equal(await first.interrupt(), 0, first.output());
  }
  const second = startForeground(["start"], { cwd: dataDir, env: { BUNBASE_DATA_DIR: dataDir } });
  try {
    await second.waitFor(/Ctrl-C to stop/);
    assert.doesNotMatch(second.output(), /^deployed /m);
    assert.match(second.output(), /curl http:\/\/\S+\/hello/);
  } finally {
    assert.equal(await second.interrupt(), 0, second.output());
  }
});

test("a `bunbase start` killed with SIGKILL takes the origin and edge with it (no orphan keeps the ports)", async () => {
  const dataDir = tempDir("bunbase-start-kill-");
  const run = startForeground(["start"], { cwd: dataDir, env: { BUNBASE_DATA_DIR: dataDir } });
  try {
    await run.waitFor(/Ctrl-C to stop/);
    const origin = /^origin API +(http:\S+)$/m.exec(run.output())?.[1];
    const edge = /^edge +(http:\S+)$/m.exec(run.output())?.[1];
    assert.ok(origin && edge, run.output());
    assert.equal((await fetch(`${origin}/health`)).status, 200);
    run.child.kill("SIGKILL");
    const gone = async (url: string) => {
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline) {
        try {
          await (await fetch(url, { signal: AbortSignal.timeout(1000) })).body?.cancel();
        } catch {
          return true; // refused: nothing listens any more
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      return false;
    };
    assert.ok(await gone(`${origin}/health`), "the origin outlived its launcher");
    assert.ok(await gone(`${edge}/__bunbase/health`), "the edge outlived its launcher");
  } finally {
    await run.interrupt();
  }
});
