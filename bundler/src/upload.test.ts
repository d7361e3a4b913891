import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdir, readFile, readdir, readlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Header } from "tar";
import { gzipSync } from "node:zlib";
import { extractTarball, writeFiles } from "../index.ts";
import { rejection, tempDir } from "./test-dirs.ts";

test("writeFiles writes nested files", async () => {
  const dir = await tempDir();
  await writeFiles({ "index.ts": "export default 1", "lib/a/b.ts": "x" }, dir);
  assert.equal(await readFile(join(dir, "lib/a/b.ts"), "utf8"), "x");
});

test("writeFiles refuses traversal, absolute paths, NUL and too many files, writing nothing", async () => {
  for (const name of ["../evil.ts", "a/../../evil.ts", "/etc/evil", "a\0b", "..\\evil.ts", "C:/evil"]) {
    const dir = await tempDir();
    const err = await rejection(() => writeFiles({ "ok.ts": "1", [name]: "x" }, dir));
    assert.equal(err.code, "FN_006", name);
    assert.equal(err.details.path, `files.${name}`);
    assert.deepEqual(await readdir(dir), [], name);
  }
  const many = Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`f${i}.ts`, ""]));
  assert.equal((await rejection(() => writeFiles(many, "/nonexistent"))).details.path, "files");
});

/** A tar built by hand, so entries can hold what a friendly `tar` would refuse to write. */
function tarOf(entries: { path: string; type?: string; body?: string; linkpath?: string }[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const body = Buffer.from(entry.body ?? "");
    const header = new Header({
      path: entry.path,
      type: (entry.type ?? "File") as "File",
      size: body.length,
      mode: entry.type === "Directory" ? 0o755 : 0o644,
      linkpath: entry.linkpath,
      mtime: new Date(0),
    });
    const block = Buffer.alloc(512);
    header.encode(block, 0);
    blocks.push(block, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

test("a tarball unpacks, stripping a single top-level folder", async () => {
  const dir = await tempDir();
  const tar = tarOf([
    { path: "repo-main/", type: "Directory" },
    { path: "repo-main/index.ts", body: "export default 1" },
    { path: "repo-main/lib/x.ts", body: "x" },
    { path: "repo-main/link.ts", type: "SymbolicLink", linkpath: "lib/x.ts" },
  ]);
  await extractTarball(gzipSync(tar), dir, true);
  assert.deepEqual((await readdir(dir)).sort(), ["index.ts", "lib", "link.ts"]);
  assert.equal(await readlink(join(dir, "link.ts")), "lib/x.ts");
});

test("a tarball with several top-level entries keeps them", async () => {
  const dir = await tempDir();
  await extractTarball(
    tarOf([
      { path: "index.ts", body: "1" },
      { path: "lib/x.ts", body: "2" },
    ]),
    dir,
    false,
  );
  assert.deepEqual((await readdir(dir)).sort(), ["index.ts", "lib"]);
});

test("tarball traversal, absolute paths and escaping links are refused before writing", async () => {
  const cases = [
    [
      { path: "index.ts", body: "1" },
      { path: "../evil.ts", body: "x" },
    ],
    [
      { path: "index.ts", body: "1" },
      { path: "/tmp/evil.ts", body: "x" },
    ],
    [
      { path: "index.ts", body: "1" },
      { path: "link", type: "SymbolicLink", linkpath: "../../etc/passwd" },
    ],
    [
      { path: "index.ts", body: "1" },
      { path: "link", type: "SymbolicLink", linkpath: "/etc/passwd" },
    ],
    [
      { path: "index.ts", body: "1" },
      { path: "hard", type: "Link", linkpath: "../outside" },
    ],
    // Inside the archive root, but outside once the shared top folder is stripped.
    [
      { path: "top/index.ts", body: "1" },
      { path: "top/link", type: "SymbolicLink", linkpath: "../x" },
    ],
  ];
  for (const entries of cases) {
    const dir = await tempDir();
    const err = await rejection(() => extractTarball(tarOf(entries), dir, false));
    assert.equal(err.code, "FN_006", JSON.stringify(entries[1]));
    assert.deepEqual(await readdir(dir), []);
  }
});

test("device files are skipped, garbage is FN_006", async () => {
  const dir = await tempDir();
  await extractTarball(
    tarOf([
      { path: "index.ts", body: "1" },
      { path: "fifo", type: "FIFO" },
    ]),
    dir,
    false,
  );
  assert.deepEqual(await readdir(dir), ["index.ts"]);
  const err = await rejection(() => extractTarball(Buffer.from("not a tarball at all"), dir, true));
  assert.equal(err.code, "FN_006");
});

test("a tarball made by the system tar round-trips", async () => {
  const src = await tempDir({ "fn/index.ts": "export default 1", "fn/function.config.json": "{}" });
  const tgz = join(src, "fn.tgz");
  execFileSync("tar", ["-czf", tgz, "-C", src, "fn"]);
  const dir = await tempDir();
  await extractTarball(await readFile(tgz), dir, true);
  assert.deepEqual((await readdir(dir)).sort(), ["function.config.json", "index.ts"]);
  await writeFile(join(dir, "check"), "");
});

test("regression: tarballs made with `tar -C dir .` or `tar -C parent ./fn` unpack (the './' entry is not an empty name)", async () => {
  const src = await tempDir();
  await mkdir(join(src, "fn", "lib"), { recursive: true });
  await writeFile(join(src, "fn", "index.ts"), "export default 1;");
  await writeFile(join(src, "fn", "lib", "a.ts"), "export const a = 1;");
  for (const args of [
    ["-C", join(src, "fn"), "."],
    ["-C", src, "./fn"],
  ]) {
    const archive = join(await tempDir(), "fn.tgz");
    execFileSync("tar", ["-czf", archive, ...args]);
    const dir = await tempDir();
    await extractTarball(await readFile(archive), dir, true);
    assert.deepEqual((await readdir(dir)).sort(), ["index.ts", "lib"], args.join(" "));
  }
});
