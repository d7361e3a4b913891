import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, symlink } from "node:fs/promises";
import { join } from "node:path";
import { buildUpload } from "./build-pipeline.ts";
import { buildFunction, hashBundle, parseFunctionConfig } from "../index.ts";
import { REPO_ROOT } from "../../core/index.ts";
import { collectIsolateGarbage } from "../../edge-node/src/isolate/teardown-gc.ts";
import { rejection, tempDir } from "./test-dirs.ts";

// Config evaluation leaves isolated-vm handles for the GC; finalized during Node's exit
// they abort the process (see teardown-gc.ts), so they are collected before it.
after(() => collectIsolateGarbage());

const HELLO = {
  "index.ts": `import { greet } from "./lib/greet.ts";\nexport async function handler(req: Request): Promise<Response> {\n  return new Response(greet(new URL(req.url).pathname));\n}\n`,
  "lib/greet.ts": `export const greet = (who: string): string => "hello " + who;\n`,
};

test("the same sources in two different folders give the same bytes and hash", async () => {
  const a = await buildFunction({ dir: await tempDir(HELLO), config: parseFunctionConfig({}) });
  const b = await buildFunction({ dir: await tempDir(HELLO), config: parseFunctionConfig({}) });
  assert.equal(a.code, b.code);
  assert.equal(a.map, b.map);
  assert.equal(a.bundleHash, b.bundleHash);
  assert.equal(a.bundleHash, hashBundle(a.code));
  assert.match(a.bundleHash, /^sha256:[0-9a-f]{64}$/);
  assert.equal(a.sizeBytes, Buffer.byteLength(a.code));
  assert.equal(a.exportName, "handler");
  assert.doesNotMatch(a.code, /sourceMappingURL|bunbase-bundler-/);
});

test("the source map points back to index.ts with its content", async () => {
  const result = await buildFunction({ dir: await tempDir(HELLO), config: parseFunctionConfig({}) });
  const map = JSON.parse(result.map) as { sources: string[]; sourcesContent: string[]; mappings: string };
  assert.deepEqual([...map.sources].sort(), ["index.ts", "lib/greet.ts"]);
  assert.equal(map.sourcesContent[map.sources.indexOf("index.ts")], HELLO["index.ts"]);
  assert.ok(map.mappings.length > 0);
});

test("exportName: default first, then handler, or the one the config names", async () => {
  const both = await tempDir({ "index.js": `export default { fetch() {} }; export function handler() {}` });
  assert.equal((await buildFunction({ dir: both, config: parseFunctionConfig({}) })).exportName, "default");
  const named = parseFunctionConfig({ handler: "api.onUserCreate" });
  const api = await tempDir({
    "api.ts": `export async function onUserCreate(event: unknown) { return { ok: true, event }; }`,
  });
  assert.equal((await buildFunction({ dir: api, config: named })).exportName, "onUserCreate");
});

test("a missing export or entry file is FN_005 with a diagnostic", async () => {
  const dir = await tempDir({ "index.ts": `export const other = 1;` });
  const noExport = await rejection(() =>
    buildFunction({ dir, config: parseFunctionConfig({ handler: "index.handler" }) }),
  );
  assert.equal(noExport.code, "FN_005");
  assert.match(noExport.message, /no export named "handler".*other/);
  assert.equal((noExport.details.diagnostics as { file: string }[])[0].file, "index.ts");

  const neither = await rejection(() => buildFunction({ dir, config: parseFunctionConfig({}) }));
  assert.match(neither.message, /neither a default export nor a "handler" export/);

  const noFile = await rejection(() =>
    buildFunction({ dir, config: parseFunctionConfig({ handler: "main.handler" }) }),
  );
  assert.equal(noFile.code, "FN_005");
  assert.match(noFile.message, /main\.ts/);
});

test("a syntax error gives file, line and column", async () => {
  const dir = await tempDir({ "index.ts": `export default {\n  fetch() {\n    return new Response("x";\n  },\n};\n` });
  const err = await rejection(() => buildFunction({ dir, config: parseFunctionConfig({}) }));
  assert.equal(err.code, "FN_005");
  assert.match(err.message, /^Build failed: index\.ts:3:/);
  const [diagnostic] = err.details.diagnostics as { file: string; line: number; column: number; message: string }[];
  assert.deepEqual({ file: diagnostic.file, line: diagnostic.line }, { file: "index.ts", line: 3 });
  assert.ok(diagnostic.column > 0 && diagnostic.message.length > 0);
});

test("a Node built-in in an edge function asks for placement origin", async () => {
  for (const spec of ["node:fs", "fs", "child_process", "fs/promises"]) {
    const dir = await tempDir({
      "index.ts": `import * as m from "${spec}";\nexport default { fetch: () => new Response(String(Object.keys(m).length)) };`,
    });
    const err = await rejection(() => buildFunction({ dir, config: parseFunctionConfig({}) }));
    assert.equal(err.code, "FN_005", spec);
    assert.match(err.message, /placement: "origin"/, spec);
    assert.equal((err.details.diagnostics as { line: number }[])[0].line, 1);
  }
  const origin = await tempDir({
    "index.ts": `import { readFileSync } from "node:fs";\nexport default { fetch: () => new Response(String(readFileSync)) };`,
  });
  const built = await buildFunction({ dir: origin, config: parseFunctionConfig({ placement: "origin" }) });
  assert.match(built.code, /from "node:fs"/);
});

test("placement auto sends code that needs Node built-ins to the origin; placement edge refuses it", async () => {
  const dir = await tempDir({
    "index.ts": `import { readFileSync } from "node:fs";\nexport default { fetch: () => new Response(String(readFileSync)) };`,
  });
  const auto = await buildUpload(dir, parseFunctionConfig({ name: "auto" }));
  assert.equal(auto.build, null);
  assert.equal(auto.placement, "origin");
  const err = await rejection(() => buildUpload(dir, parseFunctionConfig({ name: "edge", placement: "edge" })));
  assert.equal(err.code, "FN_005");
  const plain = await tempDir({ "index.ts": `export default { fetch: () => new Response("x") };` });
  const edge = await buildUpload(plain, parseFunctionConfig({ name: "plain" }));
  assert.ok(edge.build);
  assert.equal(edge.placement, undefined);
});

test("@bunbase/sdk and @bunbase/functions resolve without an install", async () => {
  const dir = await tempDir({
    "index.ts": `import { db } from "@bunbase/sdk";\nimport { cors, middleware } from "@bunbase/functions";\nexport default middleware([cors({ origin: "*" }), async () => new Response(typeof db.get)]);`,
  });
  const result = await buildFunction({ dir, config: parseFunctionConfig({}) });
  assert.ok(JSON.parse(result.map).sources.includes("bunbase:@bunbase/functions"));
});

test("a Hono app bundles from the function folder's own node_modules", async () => {
  const dir = await tempDir({
    "index.ts": `import { Hono } from "hono";\nconst app = new Hono();\napp.get("/", (c) => c.text("hi"));\nexport default app;\n`,
  });
  await mkdir(join(dir, "node_modules"));
  await symlink(join(REPO_ROOT, "node_modules", "hono"), join(dir, "node_modules", "hono"));
  const result = await buildFunction({ dir, config: parseFunctionConfig({}) });
  assert.equal(result.exportName, "default");
  assert.match(result.code, /class Hono/);
  assert.ok(result.sizeBytes > 10_000);
});

test("a package missing from the folder's node_modules does not leak in from elsewhere", async () => {
  const dir = await tempDir({ "index.ts": `import { Hono } from "hono";\nexport default new Hono();` });
  const err = await rejection(() => buildFunction({ dir, config: parseFunctionConfig({}) }));
  assert.equal(err.code, "FN_005");
  assert.match(err.message, /Could not resolve "hono"/);
});

test("non-JS runtimes are refused with FN_005 naming the runtime", async () => {
  const dir = await tempDir({ "main.py": "def handler(request):\n  return 'hi'\n" });
  const err = await rejection(() =>
    buildFunction({ dir, config: parseFunctionConfig({ runtime: "python3.12", handler: "main.handler" }) }),
  );
  assert.equal(err.code, "FN_005");
  assert.match(err.message, /python3\.12/);
});
