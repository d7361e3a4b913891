import { after, test } from "node:test";
import assert from "node:assert/strict";
import { collectIsolateGarbage } from "../../edge-node/src/isolate/teardown-gc.ts";
import { loadConfigFile } from "../index.ts";
import { rejection, tempDir } from "./test-dirs.ts";

// Config evaluation leaves isolated-vm handles for the GC; finalized during Node's exit
// they abort the process (see teardown-gc.ts), so they are collected before it.
after(() => collectIsolateGarbage());

test("a TS config importing defineConfig from @bunbase/functions is evaluated in an isolate", async () => {
  const dir = await tempDir({
    "function.config.ts": `
      import { defineConfig } from "@bunbase/functions";
      import { routes } from "./routes.ts";
      const memory: number = 128 * 2;
      export default defineConfig({ memory, triggers: routes.map((path) => ({ type: "http", path })) });
    `,
    "routes.ts": `export const routes: string[] = ["/a", "/b"];`,
  });
  const loaded = await loadConfigFile(dir);
  assert.deepEqual(loaded, {
    file: "function.config.ts",
    raw: {
      memory: 256,
      triggers: [
        { type: "http", path: "/a" },
        { type: "http", path: "/b" },
      ],
    },
  });
});

test("a config sees no host: no process, no require", async () => {
  const dir = await tempDir({
    "function.config.js": `export default { sawProcess: typeof process, sawRequire: typeof globalThis.require, sawFetch: typeof fetch };`,
  });
  assert.deepEqual((await loadConfigFile(dir))?.raw, {
    sawProcess: "undefined",
    sawRequire: "undefined",
    sawFetch: "undefined",
  });
});

test("a throwing config is FN_006 naming the file", async () => {
  const dir = await tempDir({ "function.config.mjs": `throw new Error("no config for you"); export default {};` });
  const err = await rejection(() => loadConfigFile(dir));
  assert.equal(err.code, "FN_006");
  assert.equal(err.details.path, "function.config.mjs");
  assert.match(err.message, /function\.config\.mjs.*no config for you/);
});

test("an infinite-loop config is FN_006 within the 1 s budget", async () => {
  const dir = await tempDir({ "function.config.ts": `while (true) {} export default {};` });
  const started = Date.now();
  const err = await rejection(() => loadConfigFile(dir));
  assert.equal(err.code, "FN_006");
  assert.match(err.message, /function\.config\.ts.*did not finish within 1000 ms/);
  assert.ok(Date.now() - started < 5000);
});

test("a config that allocates without end is FN_006, the host survives", async () => {
  const dir = await tempDir({
    "function.config.js": `const a = []; while (true) a.push(new Array(1e5).fill(1)); export default {};`,
  });
  const err = await rejection(() => loadConfigFile(dir));
  assert.equal(err.code, "FN_006");
});

test("a config without a default export is FN_006", async () => {
  const dir = await tempDir({ "function.config.ts": `export const memory = 256;` });
  const err = await rejection(() => loadConfigFile(dir));
  assert.match(err.message, /no default export/);
});

test("JSON configs: parsed, and malformed JSON names the file", async () => {
  const good = await tempDir({ "function.config.json": `{"memory": 512}` });
  assert.deepEqual(await loadConfigFile(good), { file: "function.config.json", raw: { memory: 512 } });
  const bad = await tempDir({ "function.config.json": `{"memory": 512,` });
  const err = await rejection(() => loadConfigFile(bad));
  assert.equal(err.code, "FN_006");
  assert.equal(err.details.path, "function.config.json");
});

test("a folder without a config gives undefined; .ts wins over .json", async () => {
  assert.equal(await loadConfigFile(await tempDir({ "index.ts": "" })), undefined);
  const both = await tempDir({ "function.config.ts": `export default { memory: 256 }`, "function.config.json": `{}` });
  assert.equal((await loadConfigFile(both))?.file, "function.config.ts");
});
