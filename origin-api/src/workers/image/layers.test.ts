import assert from "node:assert/strict";
import { lstat, mkdtemp, readFile, readdir, readlink, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { buildBusyboxImage, type LayerEntry } from "../../../../test/helpers/busybox-image.ts";
import { unpackImage } from "./index.ts";

const made: string[] = [];
after(async () => {
  for (const dir of made) await rm(dir, { recursive: true, force: true });
});

async function unpackLayers(extraLayers: LayerEntry[][], format: "docker" | "oci" = "oci") {
  const dest = await mkdtemp(join(tmpdir(), "bb-layers-"));
  made.push(dest);
  return unpackImage(await buildBusyboxImage({ format, gzip: format === "oci", extraLayers }), dest);
}

const exists = (path: string) =>
  lstat(path).then(
    () => true,
    () => false,
  );

test("a whiteout deletes a lower layer's file and folder, not what its own layer writes", async () => {
  const info = await unpackLayers([
    [
      { path: "data/keep.txt", content: "keep" },
      { path: "data/gone.txt", content: "gone" },
      { path: "data/sub/deep.txt", content: "deep" },
    ],
    [
      { path: "data/.wh.gone.txt", content: "" },
      { path: "data/.wh.sub", content: "" },
      { path: "data/new.txt", content: "new" },
      { path: "data/.wh.new.txt", content: "" }, // same layer: not hidden
    ],
  ]);
  const data = join(info.rootfs, "data");
  assert.deepEqual((await readdir(data)).sort(), ["keep.txt", "new.txt"]);
});

test("an opaque folder hides every lower entry in it, whatever the order in its layer", async () => {
  const info = await unpackLayers(
    [
      [
        { path: "app/old.js", content: "old" },
        { path: "app/lib/old.js", content: "old" },
        { path: "other/stays.txt", content: "x" },
      ],
      [
        { path: "app/lib/new.js", content: "new" }, // before the marker: still kept
        { path: "app/.wh..wh..opq", content: "" },
        { path: "app/index.js", content: "new" },
      ],
    ],
    "docker",
  );
  assert.deepEqual((await readdir(join(info.rootfs, "app"))).sort(), ["index.js", "lib"]);
  assert.deepEqual(await readdir(join(info.rootfs, "app/lib")), ["new.js"]);
  assert.ok(await exists(join(info.rootfs, "other/stays.txt")));
});

test("a later layer replaces a file by a folder, a folder by a symlink, and a symlink by a file", async () => {
  const info = await unpackLayers([
    [
      { path: "x", content: "file" },
      { type: "dir", path: "y/" },
      { path: "y/inner", content: "1" },
      { type: "symlink", path: "z", target: "/www" },
    ],
    [
      { type: "dir", path: "x/" },
      { type: "symlink", path: "y", target: "x" },
      { path: "z", content: "now a file" },
    ],
  ]);
  assert.ok((await lstat(join(info.rootfs, "x"))).isDirectory());
  assert.equal(await readlink(join(info.rootfs, "y")), "x");
  assert.equal(await readFile(join(info.rootfs, "z"), "utf8"), "now a file");
  assert.ok(await exists(join(info.rootfs, "www/index.html"))); // the old symlink was not followed
});

test("modes: setuid/setgid dropped, read and execute shared, folders at least 0755", async () => {
  const info = await unpackLayers([
    [
      { type: "dir", path: "private/", mode: 0o700 },
      { path: "private/secret", content: "s", mode: 0o600 },
      { path: "suid", content: "#!/bin/sh\n", mode: 0o4755 },
      { path: "sgid", content: "#!/bin/sh\n", mode: 0o2750 },
      { path: "none", content: "", mode: 0 },
      { type: "dir", path: "ro/", mode: 0o555 },
      { path: "ro/inside", content: "i", mode: 0o444 },
    ],
  ]);
  const mode = async (p: string) => (await stat(join(info.rootfs, p))).mode & 0o7777;
  assert.equal(await mode("private"), 0o755);
  assert.equal(await mode("private/secret"), 0o644);
  assert.equal(await mode("suid"), 0o755);
  assert.equal(await mode("sgid"), 0o755);
  assert.equal(await mode("none"), 0);
  assert.equal(await mode("ro"), 0o755);
  assert.equal(await mode("ro/inside"), 0o444);
});

test("hard links inside the image share the file; device nodes and FIFOs are skipped with a warning", async () => {
  const info = await unpackLayers([
    [
      { type: "hardlink", path: "bin/bb", target: "bin/busybox" },
      { type: "fifo", path: "pipe" },
    ],
  ]);
  const a = await stat(join(info.rootfs, "bin/busybox"));
  const b = await stat(join(info.rootfs, "bin/bb"));
  assert.equal(a.ino, b.ino);
  assert.equal(await exists(join(info.rootfs, "pipe")), false);
  assert.match(info.warnings.join("\n"), /skipped 1 device nodes, FIFOs/);
});

test("a path through a symlink is resolved inside the image root (merged /usr)", async () => {
  const info = await unpackLayers([
    [
      { type: "dir", path: "usr/lib/" },
      { type: "symlink", path: "lib", target: "usr/lib" },
      { type: "symlink", path: "abs", target: "/usr/lib" },
    ],
    [
      { path: "lib/a.so", content: "a" },
      { path: "abs/b.so", content: "b" },
    ],
  ]);
  assert.deepEqual((await readdir(join(info.rootfs, "usr/lib"))).sort(), ["a.so", "b.so"]);
  assert.equal(await readlink(join(info.rootfs, "lib")), "usr/lib");
});
