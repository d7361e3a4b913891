/**
 * `functions dev` as a user runs it: serves the folder through a local edge, redeploys on
 * save, prints a build error while the last good version keeps serving, streams the
 * function's logs, and stops everything on Ctrl-C.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, tempDir } from "../../test/helpers/platform.ts";
import { startForeground } from "./foreground-process.ts";

test("dev: serve, reload on save, keep the last good version on a build error, Ctrl-C stops", async () => {
  const parent = tempDir();
  assert.equal((await runCli(["functions", "init", "greeter", "--dir", parent])).code, 0);
  const dir = join(parent, "greeter");
  const dev = startForeground(["functions", "dev"], { cwd: dir });
  try {
    const [, edgeUrl] = await dev.waitFor(/^edge +(http:\/\/\S+)$/m);
    await dev.waitFor(/watching .* for changes/);
    assert.match(dev.output(), /^deployed greeter v1 .* -> http:\/\/\S+\/greeter$/m);
    assert.deepEqual(await (await fetch(`${edgeUrl}/greeter?name=dev`)).json(), {
      message: "Hello, dev!",
      method: "GET",
    });
    await dev.waitFor(/info {2}greeting dev$/m, 15_000);

    // Saved by rename, as many editors do (and as `sed -i` does).
    const path = join(dir, "index.ts");
    writeFileSync(`${path}.tmp`, readFileSync(path, "utf8").replace("message: `", "message: `v2 "));
    const { renameSync } = await import("node:fs");
    renameSync(`${path}.tmp`, path);
    await dev.waitFor(/^reloaded greeter v2 in \d+ ms$/m, 15_000);
    assert.equal(
      ((await (await fetch(`${edgeUrl}/greeter`)).json()) as { message: string }).message,
      "v2 Hello, world!",
    );

    appendFileSync(path, "\nnot valid typescript(\n");
    await dev.waitFor(/error FN_005: [\s\S]*index\.ts:\d+:\d+/, 15_000);
    const still = await fetch(`${edgeUrl}/greeter`);
    assert.equal(still.headers.get("x-bunbase-version"), "2");
    await still.body?.cancel();
  } finally {
    const code = await dev.interrupt();
    assert.equal(code, 0, dev.output());
  }
});
