/** Archives crafted to write outside the root: each is refused with FN_005, and the host is untouched. */
import assert from "node:assert/strict";
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { buildBusyboxImage, type LayerEntry } from "../../../../test/helpers/busybox-image.ts";
import { unpackImage } from "./index.ts";

const made: string[] = [];
after(async () => {
  for (const dir of made) await rm(dir, { recursive: true, force: true });
});

/** A base folder holding `dest/` (the unpack target) and `sentinel/` (a host folder that must stay as it is). */
async function setup() {
  const base = await mkdtemp(join(tmpdir(), "bb-hostile-"));
  made.push(base);
  const sentinel = join(base, "sentinel");
  await mkdir(sentinel);
  await writeFile(join(sentinel, "secret"), "host secret");
  return { base, sentinel, dest: join(base, "dest") };
}

async function assertHostUntouched(base: string, sentinel: string): Promise<void> {
  assert.deepEqual((await readdir(base)).sort(), ["dest", "sentinel"]);
  assert.deepEqual(await readdir(sentinel), ["secret"]);
  assert.equal(await readFile(join(sentinel, "secret"), "utf8"), "host secret");
}

const variants: Record<string, (sentinel: string) => LayerEntry[][]> = {
  "a ../ path": () => [[{ path: "../../sentinel/pwned", content: "x" }]],
  "a .. in the middle": () => [[{ path: "www/../../sentinel/pwned", content: "x" }]],
  "an absolute path": (s) => [[{ path: `${s}/pwned`, content: "x" }]],
  "a symlink climbing out, then a file through it": () => [
    [{ type: "symlink", path: "out", target: "../../sentinel" }],
    [{ path: "out/pwned", content: "x" }],
  ],
  "a symlink climbing out from a subfolder": () => [
    [{ type: "symlink", path: "www/out", target: "../../../sentinel" }],
  ],
  "a hard link to a host file by relative path": () => [
    [{ type: "hardlink", path: "h", target: "../../sentinel/secret" }],
  ],
  "a hard link to a host file by absolute path": (s) => [[{ type: "hardlink", path: "h", target: `${s}/secret` }]],
  "a hard link through an absolute symlink to the host folder": (s) => [
    [{ type: "symlink", path: "s", target: s }],
    [{ type: "hardlink", path: "h", target: "s/secret" }], // resolves to <rootfs><s>/secret: absent
  ],
  "a whiteout of ..": () => [[{ path: "www/.wh...", content: "" }]],
  "a whiteout with a ../ path": () => [[{ path: "../.wh.sentinel", content: "" }]],
  "a symlink loop": () => [
    [
      { type: "symlink", path: "a", target: "b" },
      { type: "symlink", path: "b", target: "a" },
    ],
    [{ path: "a/x", content: "x" }],
  ],
};

for (const [name, layers] of Object.entries(variants)) {
  for (const format of ["oci", "docker"] as const) {
    test(`${format}: ${name} is refused with FN_005 and nothing is written outside`, async () => {
      const { base, sentinel, dest } = await setup();
      const image = await buildBusyboxImage({ format, extraLayers: layers(sentinel) });
      await assert.rejects(
        unpackImage(image, dest),
        (err: { code: string; details: { entry: string; reason: string } }) => {
          assert.equal(err.code, "FN_005");
          assert.equal(typeof err.details.reason, "string");
          return true;
        },
      );
      await assertHostUntouched(base, sentinel);
      await assert.rejects(lstat(join(dest, "rootfs")), { code: "ENOENT" });
    });
  }
}

test("an absolute symlink to a host folder is the container's path: writes through it stay in the root", async () => {
  const { base, sentinel, dest } = await setup();
  const image = await buildBusyboxImage({
    format: "oci",
    extraLayers: [[{ type: "symlink", path: "host", target: sentinel }], [{ path: "host/pwned", content: "x" }]],
  });
  const info = await unpackImage(image, dest);
  await assertHostUntouched(base, sentinel);
  assert.equal(await readFile(join(info.rootfs, sentinel, "pwned"), "utf8"), "x");
});
