// @bunbase/functions and its one package, jose, bundled from our own files whatever the
// user installed: named by virtual paths (no host path in the bundle), tree-shaken.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { buildFunction, loadConfigFile, parseFunctionConfig } from "../index.ts";
import { REPO_ROOT } from "../../core/index.ts";
import { collectIsolateGarbage } from "../../edge-node/src/isolate/teardown-gc.ts";
import { tempDir } from "./test-dirs.ts";

// Config evaluation leaves isolated-vm handles for the GC; finalized during Node's exit
// they abort the process (see teardown-gc.ts), so they are collected before it.
after(() => collectIsolateGarbage());

const FULL = `import { auth, cors, middleware, rateLimit } from "@bunbase/functions";
export default middleware([
  cors({ origin: "*" }),
  auth({ type: "jwt", secret: "\${env.JWT_SECRET}" }),
  rateLimit({ maxRequests: 5, window: "1m" }),
  (req, ctx) => Response.json(ctx.auth),
]);`;

test("auth() brings jose along under virtual paths; no host path reaches the bundle", async () => {
  const dir = await tempDir({ "index.ts": FULL });
  const result = await buildFunction({ dir, config: parseFunctionConfig({}) });
  const sources = JSON.parse(result.map).sources as string[];
  assert.ok(sources.includes("bunbase:sdk/auth.guest.ts"), sources.join());
  assert.ok(sources.includes("bunbase:node_modules/jose/dist/webapi/jwt/verify.js"), sources.join());
  assert.ok(sources.every((s) => !s.includes(REPO_ROOT) && !s.startsWith("/")));
  assert.ok(!result.code.includes(REPO_ROOT));
  // The cost of auth() + rateLimit() + cors(), jose included (unminified, as builds are).
  assert.ok(result.sizeBytes < 64_000, `bundle is ${result.sizeBytes} bytes`);
});

test("a bundle that does not call auth() carries no jose", async () => {
  const dir = await tempDir({
    "index.ts": `import { cors, middleware } from "@bunbase/functions";\nexport default middleware([cors({ origin: "*" }), () => new Response("hi")]);`,
  });
  const result = await buildFunction({ dir, config: parseFunctionConfig({}) });
  const sources = JSON.parse(result.map).sources as string[];
  assert.ok(!sources.some((s) => s.includes("jose")), sources.join());
  assert.ok(!result.code.includes("TextEncoder"));
});

test("the same function bundles to the same bytes from two folders", async () => {
  const one = await buildFunction({ dir: await tempDir({ "index.ts": FULL }), config: parseFunctionConfig({}) });
  const two = await buildFunction({ dir: await tempDir({ "index.ts": FULL }), config: parseFunctionConfig({}) });
  assert.equal(one.code, two.code);
});

test("a config importing every helper still evaluates in the bare config isolate", async () => {
  const dir = await tempDir({
    "function.config.ts": `
      import { auth, cors, defineConfig, middleware, rateLimit } from "@bunbase/functions";
      export default defineConfig({ memory: 256, note: typeof auth + typeof rateLimit + typeof cors + typeof middleware });
    `,
  });
  const loaded = await loadConfigFile(dir);
  assert.deepEqual(loaded?.raw, { memory: 256, note: "functionfunctionfunctionfunction" });
});
