import { after, test } from "node:test";
import assert from "node:assert/strict";
import { BuildWorkerClient, parseFunctionConfig } from "../index.ts";
import { rejection, tempDir } from "./test-dirs.ts";

const client = new BuildWorkerClient();
after(() => client.close());

test("builds in the worker; the upload's config replaces the stored one, keeping its name", async () => {
  const dir = await tempDir({
    "index.ts": `export default { fetch: () => new Response("hi") };`,
    "function.config.ts": `import { defineConfig } from "@bunbase/functions";\nexport default defineConfig({ name: "renamed", memory: 256 });`,
  });
  const stored = parseFunctionConfig({ name: "hello", memory: 128 });
  const out = await client.build({ dir, storedConfig: stored });
  assert.equal(out.configFromUpload, true);
  assert.equal(out.config.name, "hello");
  assert.equal(out.config.memory, 256);
  assert.equal(out.build!.exportName, "default");
  assert.match(out.build!.bundleHash, /^sha256:/);
  assert.notEqual(client.pid, process.pid);
});

test("without a config file the stored config is used; with neither it is FN_006", async () => {
  const dir = await tempDir({ "index.ts": `export async function handler() { return new Response("ok"); }` });
  const out = await client.build({ dir, storedConfig: parseFunctionConfig({ name: "x", timeout: 5 }) });
  assert.equal(out.configFromUpload, false);
  assert.equal(out.config.timeout, 5);
  assert.equal((await rejection(() => client.build({ dir }))).code, "FN_006");
});

test("errors cross IPC with their code and details", async () => {
  const broken = await tempDir({ "index.ts": `export default {\n  fetch() { return 1 +; },\n};\n` });
  const err = await rejection(() => client.build({ dir: broken, storedConfig: parseFunctionConfig({}) }));
  assert.equal(err.code, "FN_005");
  const [diagnostic] = err.details.diagnostics as { file: string; line: number }[];
  assert.deepEqual({ file: diagnostic.file, line: diagnostic.line }, { file: "index.ts", line: 2 });

  const badConfig = await tempDir({
    "index.ts": "export default {}",
    "function.config.json": `{"triggers":[{"type":"schedule","cron":"* *"}]}`,
  });
  const configErr = await rejection(() => client.build({ dir: badConfig }));
  assert.equal(configErr.code, "FN_006");
  assert.equal(configErr.details.path, "triggers[0].cron");
  assert.equal(configErr.details.file, "function.config.json");
});

test("a killed worker fails its in-flight build and a new one takes over", async () => {
  const slow = await tempDir({ "index.ts": "export default {}", "function.config.js": `while (true) {}` });
  const ok = await tempDir({ "index.ts": "export default {}" });
  await client.build({ dir: ok, storedConfig: parseFunctionConfig({}) });
  const firstPid = client.pid!;
  const inFlight = rejection(() => client.build({ dir: slow }));
  await new Promise((resolve) => setTimeout(resolve, 200));
  process.kill(firstPid, "SIGKILL");
  const err = await inFlight;
  assert.equal(err.code, "FN_005");
  assert.match(err.message, /build worker crashed/);
  const again = await client.build({ dir: ok, storedConfig: parseFunctionConfig({}) });
  assert.equal(again.build!.exportName, "default");
  assert.notEqual(client.pid, firstPid);
});

test("a build over its time limit is FN_005", async () => {
  const quick = new BuildWorkerClient({ timeoutMs: 50 });
  after(() => quick.close());
  const dir = await tempDir({ "index.ts": "export default {}", "function.config.js": `while (true) {}` });
  const err = await rejection(() => quick.build({ dir }));
  assert.equal(err.code, "FN_005");
  assert.match(err.message, /timed out/);
});
