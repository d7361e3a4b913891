/**
 * The edge fetches a new config's bundles before it applies it: once the node reports a
 * revision, a function never run there starts without the origin (here: frozen).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { startPlatform, type TestPlatform } from "../helpers/platform.ts";
import { deployFiles } from "../helpers/functions.ts";

let p: TestPlatform;
before(async () => {
  p = await startPlatform({ BUNBASE_EDGE_WORKERS: "2" });
});
after(async () => {
  await p?.stop();
});

/** The origin process of this platform: the one whose cmdline runs origin-api and whose env names our data dir. */
function originPid(): number {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8");
      const environ = readFileSync(`/proc/${entry}/environ`, "utf8");
      if (cmdline.includes("origin-api/main.ts") && environ.includes(p.dataDir)) return Number(entry);
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  throw new Error("origin process not found");
}

test("a function's first request on the edge does not wait for the origin", async () => {
  const names = ["pre-a", "pre-b", "pre-c"];
  for (const name of names) {
    await deployFiles(
      p,
      { name, triggers: [{ type: "http", path: `/${name}` }] },
      { "index.ts": `export default { fetch: () => new Response("${name}") };` },
    );
  }
  const pid = originPid();
  process.kill(pid, "SIGSTOP");
  try {
    for (const name of names) {
      const res = await p.edge(`/${name}`, { signal: AbortSignal.timeout(5000) });
      assert.equal(res.status, 200);
      assert.equal(await res.text(), name);
      assert.equal(res.headers.get("x-bunbase-cold-start"), "true");
    }
  } finally {
    process.kill(pid, "SIGCONT");
  }
});
