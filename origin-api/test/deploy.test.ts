import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create as createTar } from "tar";
import { errorOf, hello, httpTrigger, json, startOrigin, type Origin } from "./origin-process.ts";

let o: Origin;
let scratch: string;
before(async () => {
  o = await startOrigin();
  scratch = mkdtempSync(join(tmpdir(), "bunbase-deploy-src-"));
});
after(async () => {
  await o?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

interface Deployment {
  version: number;
  status: string;
  bundleHash: string;
  sizeBytes: number;
  environment: string;
  createdAt: string;
  warnings: string[];
}

const files = hello("same sources");

function folder(name: string, content: Record<string, string>): string {
  const dir = join(scratch, name);
  mkdirSync(dir, { recursive: true });
  for (const [path, text] of Object.entries(content)) writeFileSync(join(dir, path), text);
  return dir;
}

function tarball(dir: string, gzip: boolean): Buffer {
  const file = join(scratch, `${Math.random().toString(36).slice(2)}.tar${gzip ? ".gz" : ""}`);
  createTar({ gzip, cwd: dir, sync: true, file, portable: true }, readdirSync(dir));
  return readFileSync(file);
}

function git(cwd: string, ...args: string[]): void {
  execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { cwd, stdio: "ignore" });
}

test("files, tarball (gzip and plain) and git deploys of the same sources give the same bundleHash", async () => {
  await json(
    await o.api("/functions", { method: "POST", json: { name: "same", triggers: httpTrigger("/same") } }),
    201,
  );
  const fromFiles = await json<Deployment>(
    await o.api("/functions/same/deploy", { method: "POST", json: { files, message: "first" } }),
    201,
  );
  assert.equal(fromFiles.version, 1);
  assert.equal(fromFiles.status, "ready");
  assert.match(fromFiles.bundleHash, /^sha256:[0-9a-f]{64}$/);
  assert.equal(fromFiles.environment, "prod");
  assert.ok(fromFiles.sizeBytes > 0);
  assert.deepEqual(fromFiles.warnings, []);

  const dir = folder("same", files);
  const gz = await json<Deployment>(
    await o.api("/functions/same/deploy?message=tgz", {
      method: "POST",
      headers: { "content-type": "application/gzip" },
      body: tarball(dir, true),
    }),
    201,
  );
  const tar = await json<Deployment>(
    await o.api("/functions/same/deploy", {
      method: "POST",
      headers: { "content-type": "application/x-tar" },
      body: tarball(dir, false),
    }),
    201,
  );

  const work = folder("repo", { "README.md": "repo\n" });
  mkdirSync(join(work, "fn"));
  writeFileSync(join(work, "fn", "index.ts"), files["index.ts"]);
  git(work, "init", "-q", "-b", "main");
  git(work, "add", ".");
  git(work, "commit", "-q", "-m", "one");
  const bare = join(scratch, "repo.git");
  git(work, "clone", "-q", "--bare", ".", bare);
  const fromGit = await json<Deployment>(
    await o.api("/functions/same/deploy", {
      method: "POST",
      json: { git: { url: `file://${bare}`, ref: "main", path: "fn" } },
    }),
    201,
  );
  assert.deepEqual([gz.version, tar.version, fromGit.version], [2, 3, 4]);
  for (const d of [gz, tar, fromGit]) assert.equal(d.bundleHash, fromFiles.bundleHash);

  const { versions } = await json<{ versions: { version: number; message: string | null; bundleHash: string }[] }>(
    await o.api("/functions/same/versions"),
    200,
  );
  assert.deepEqual(
    versions.map((v) => v.version),
    [4, 3, 2, 1],
  );
  assert.equal(versions.find((v) => v.version === 1)?.message, "first");
  assert.equal(versions.find((v) => v.version === 2)?.message, "tgz");
});

test("a build error is 422 FN_005 with diagnostics and the active version stays", async () => {
  await json(
    await o.api("/functions", { method: "POST", json: { name: "broken", triggers: httpTrigger("/broken") } }),
    201,
  );
  await json(await o.api("/functions/broken/deploy", { method: "POST", json: { files } }), 201);
  const err = await errorOf(
    await o.api("/functions/broken/deploy", {
      method: "POST",
      json: { files: { "index.ts": "export function handler( { return new Response(" } },
    }),
    422,
  );
  assert.equal(err.code, "FN_005");
  const diagnostics = err.details?.diagnostics as { file: string; line: number; column: number; message: string }[];
  assert.equal(diagnostics[0].file, "index.ts");
  assert.equal(diagnostics[0].line, 1);
  const fn = await json<{ activeVersions: Record<string, number> }>(await o.api("/functions/broken"), 200);
  assert.deepEqual(fn.activeVersions, { prod: 1 });
  const { versions } = await json<{ versions: unknown[] }>(await o.api("/functions/broken/versions"), 200);
  assert.equal(versions.length, 1);
});

test("rollback: to the previous version by default, to a named one, per environment", async () => {
  await json(await o.api("/functions", { method: "POST", json: { name: "rolls" } }), 201);
  for (const text of ["v1", "v2", "v3"])
    await json(await o.api("/functions/rolls/deploy", { method: "POST", json: { files: hello(text) } }), 201);
  await json(
    await o.api("/functions/rolls/deploy", { method: "POST", json: { files: hello("s4"), environment: "staging" } }),
    201,
  );
  let fn = await json<{ activeVersions: Record<string, number> }>(await o.api("/functions/rolls"), 200);
  assert.deepEqual(fn.activeVersions, { prod: 3, staging: 4 });

  fn = await json(await o.api("/functions/rolls/rollback", { method: "POST", json: {} }), 200);
  assert.deepEqual(fn.activeVersions, { prod: 2, staging: 4 });
  fn = await json(await o.api("/functions/rolls/rollback", { method: "POST", json: { version: 1 } }), 200);
  assert.equal(fn.activeVersions.prod, 1);
  fn = await json(
    await o.api("/functions/rolls/rollback", { method: "POST", json: { version: 2, environment: "staging" } }),
    200,
  );
  assert.deepEqual(fn.activeVersions, { prod: 1, staging: 2 });

  assert.equal(
    (await errorOf(await o.api("/functions/rolls/rollback", { method: "POST", json: { version: 99 } }), 400)).details
      ?.path,
    "version",
  );
  await json(await o.api("/functions", { method: "POST", json: { name: "fresh" } }), 201);
  assert.equal((await errorOf(await o.api("/functions/fresh/rollback", { method: "POST" }), 400)).code, "FN_006");
});

test("the CLI's prebuilt bundle form, with its config", async () => {
  await json(await o.api("/functions", { method: "POST", json: { name: "prebuilt" } }), 201);
  const code = "export default { fetch() { return new Response('pre'); } };\n";
  const d = await json<Deployment>(
    await o.api("/functions/prebuilt/deploy", {
      method: "POST",
      json: {
        bundle: { code, map: '{"version":3,"sources":[],"mappings":""}', exportName: "default" },
        config: { memory: 512, triggers: httpTrigger("/pre") },
      },
    }),
    201,
  );
  assert.match(d.bundleHash, /^sha256:/);
  const fn = await json<{ memory: number; triggers: unknown[] }>(await o.api("/functions/prebuilt"), 200);
  assert.equal(fn.memory, 512);
  const bundle = await json<{ code: string; map: string }>(
    await o.api(`/internal/bundles/${d.bundleHash}`, { key: o.nodeKey }),
    200,
  );
  assert.equal(bundle.code, code);
  const bad = await errorOf(
    await o.api("/functions/prebuilt/deploy", {
      method: "POST",
      json: { bundle: { code, exportName: "default" }, config: { memory: 1 } },
    }),
    400,
  );
  assert.equal(bad.details?.path, "memory");
});

test("a runtime this machine lacks, an image for a JS function, a broken image: refused, nothing activated", async () => {
  await json(
    await o.api("/functions", { method: "POST", json: { name: "py", runtime: "python3.12", handler: "main.handler" } }),
    201,
  );
  const py = await errorOf(
    await o.api("/functions/py/deploy", {
      method: "POST",
      json: { files: { "main.py": "def handler(r): return 'x'\n" } },
    }),
    422,
  );
  assert.equal(py.code, "FN_005");
  assert.match(py.message, /python3\.12/);

  await json(await o.api("/functions", { method: "POST", json: { name: "oci" } }), 201);
  const notContainer = await errorOf(
    await o.api("/functions/oci/deploy", {
      method: "POST",
      headers: { "content-type": "application/vnd.oci.image.layout.v1+tar" },
      body: "x",
    }),
    400,
  );
  assert.equal(notContainer.code, "FN_006");
  assert.equal(notContainer.details?.path, "runtime");

  await json(await o.api("/functions", { method: "POST", json: { name: "box", runtime: "container" } }), 201);
  const image = folder("image", {
    "manifest.json": JSON.stringify([{ Config: "c.json", RepoTags: ["x:1"], Layers: ["l/layer.tar"] }]),
    "c.json": "{}",
  });
  const docker = await errorOf(
    await o.api("/functions/box/deploy", {
      method: "POST",
      headers: { "content-type": "application/x-tar" },
      body: tarball(image, false),
    }),
    422,
  );
  assert.equal(docker.code, "FN_005");
  for (const name of ["py", "oci", "box"]) {
    const fn = await json<{ activeVersions: Record<string, number> }>(await o.api(`/functions/${name}`), 200);
    assert.deepEqual(fn.activeVersions, {});
  }
});

test("a deploy body needs exactly one source and a known content-type", async () => {
  await json(await o.api("/functions", { method: "POST", json: { name: "bodies" } }), 201);
  assert.equal(
    (await errorOf(await o.api("/functions/bodies/deploy", { method: "POST", json: {} }), 400)).code,
    "FN_006",
  );
  assert.equal(
    (
      await errorOf(
        await o.api("/functions/bodies/deploy", { method: "POST", json: { files, environment: "qa" } }),
        400,
      )
    ).details?.path,
    "environment",
  );
  assert.equal(
    (
      await errorOf(
        await o.api("/functions/bodies/deploy", {
          method: "POST",
          headers: { "content-type": "text/plain" },
          body: "x",
        }),
        400,
      )
    ).details?.path,
    "content-type",
  );
  assert.equal(
    (await errorOf(await o.api("/functions/missing/deploy", { method: "POST", json: { files } }), 404)).code,
    "FN_001",
  );
});

test("a gzip bomb tarball is the extractor's FN_006 on the body, not an internal error from image detection", async () => {
  await json(await o.api("/functions", { method: "POST", json: { name: "bomb" } }), 201);
  const dir = folder("bomb", hello("bomb"));
  writeFileSync(join(dir, "zeros.bin"), Buffer.alloc(101 * 1024 * 1024));
  const error = await errorOf(
    await o.api("/functions/bomb/deploy", {
      method: "POST",
      headers: { "content-type": "application/gzip" },
      body: tarball(dir, true),
    }),
    400,
  );
  assert.equal(error.code, "FN_006");
  assert.equal(error.details?.path, "body", error.message);
});
