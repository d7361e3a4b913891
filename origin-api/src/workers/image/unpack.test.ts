import assert from "node:assert/strict";
import { constants } from "node:fs";
import { access, lstat, mkdtemp, readFile, readlink, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { after, describe, test } from "node:test";
import {
  BUSYBOX_APPLETS,
  DEFAULT_ENTRYPOINT,
  INDEX_HTML,
  buildBusyboxImage,
} from "../../../../test/helpers/busybox-image.ts";
import { detectImage, detectImageDir, imageLaunchSpec, unpackImage } from "./index.ts";

const made: string[] = [];
after(async () => {
  for (const dir of made) await rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "bb-image-"));
  made.push(dir);
  return dir;
}

const digests = new Set<string>();

for (const format of ["docker", "oci"] as const) {
  for (const gzip of [false, true]) {
    describe(`a ${format} image with ${gzip ? "gzip" : "plain"} layers`, () => {
      test("unpacks the busybox root with its applet links, modes and config", async () => {
        const image = await buildBusyboxImage({ format, gzip });
        assert.equal(await detectImage(image), format);
        const dest = await tempDir();
        const info = await unpackImage(image, dest);
        digests.add(info.digest);
        assert.match(info.digest, /^sha256:[a-f0-9]{64}$/);
        assert.equal(info.rootfs, join(dest, "rootfs"));
        const busybox = join(info.rootfs, "bin/busybox");
        await access(busybox, constants.X_OK);
        assert.equal((await stat(busybox)).mode & 0o7777, 0o755);
        for (const applet of BUSYBOX_APPLETS) assert.equal(await readlink(join(info.rootfs, "bin", applet)), "busybox");
        assert.equal(await readFile(join(info.rootfs, "www/index.html"), "utf8"), INDEX_HTML);
        assert.equal((await stat(join(info.rootfs, "www/cgi-bin/hello"))).mode & 0o777, 0o755);
        assert.equal((await stat(join(info.rootfs, "tmp"))).mode & 0o7777, 0o1777);
        assert.deepEqual(info.entrypoint, DEFAULT_ENTRYPOINT);
        assert.deepEqual(info.cmd, []);
        assert.deepEqual(info.env, { PATH: "/bin", GREETING: "hello" });
        assert.equal(info.workingDir, "/www");
        assert.deepEqual(info.user, { uid: 1000, gid: 1000 }); // "app" from the image's /etc/passwd
        assert.deepEqual(info.exposedPorts, ["8080/tcp"]);
        assert.deepEqual(info.warnings, []);
      });
    });
  }
}

test("the digest is the image config's: the same image in every format and compression has one", () => {
  assert.equal(digests.size, 1);
});

test("imageLaunchSpec runs ENTRYPOINT + CMD in the image root with its env and workdir", async () => {
  const image = await buildBusyboxImage({
    format: "oci",
    entrypoint: ["/bin/sh", "-c"],
    cmd: ["echo hi"],
    env: { PATH: "" },
  });
  const info = await unpackImage(image, await tempDir());
  const spec = imageLaunchSpec({ ...info, env: { GREETING: "x" }, workingDir: "" });
  assert.deepEqual(spec.rootfs, { kind: "image", path: info.rootfs });
  assert.deepEqual(spec.argv, ["/bin/sh", "-c", "echo hi"]);
  assert.equal(spec.cwd, "/");
  assert.equal(spec.env.PATH, "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  assert.deepEqual(spec.user, { uid: 1000, gid: 1000 });
  assert.throws(() => imageLaunchSpec({ ...info, entrypoint: [], cmd: [] }), { code: "FN_005" });
});

test("an OCI layout whose index nests a multi-platform index: the host's platform is picked", async () => {
  const image = await buildBusyboxImage({ format: "oci", gzip: true, nestedIndex: true });
  const info = await unpackImage(image, await tempDir());
  await access(join(info.rootfs, "bin/busybox"), constants.X_OK);
  await assert.rejects(unpackImage(image, await tempDir(), { architecture: "s390x" }), /no linux\/s390x image/);
  await assert.rejects(unpackImage(image, await tempDir(), { architecture: "arm64" }), { code: "FN_005" }); // its blob is absent
});

test("the archive may be a file path, and `docker save | gzip`", async () => {
  const dir = await tempDir();
  const path = join(dir, "image.tar.gz");
  await writeFile(path, gzipSync(await buildBusyboxImage({ format: "docker" })));
  assert.equal(await detectImage(path), undefined); // detection is on the tar; unpack takes the gzip too
  const info = await unpackImage(path, join(dir, "out"));
  await access(join(info.rootfs, "bin/busybox"), constants.X_OK);
  await assert.rejects(lstat(join(dir, "out/image.tar")), { code: "ENOENT" }); // the decompressed copy is gone
});

test("USER root runs as nobody with a warning; a numeric uid:gid is kept; an unknown name is refused", async () => {
  const root = await unpackImage(await buildBusyboxImage({ format: "oci", user: "root" }), await tempDir());
  assert.deepEqual(root.user, { uid: 65534, gid: 65534 });
  assert.match(root.warnings.join("\n"), /runs as root/);
  const numeric = await unpackImage(await buildBusyboxImage({ format: "oci", user: "4242:4343" }), await tempDir());
  assert.deepEqual(numeric.user, { uid: 4242, gid: 4343 });
  const none = await unpackImage(await buildBusyboxImage({ format: "oci", user: null }), await tempDir());
  assert.equal(none.user, undefined);
  await assert.rejects(unpackImage(await buildBusyboxImage({ format: "oci", user: "ghost" }), await tempDir()), {
    code: "FN_005",
  });
});

test("a command that is not in the image is refused at unpack", async () => {
  const image = await buildBusyboxImage({ format: "docker", entrypoint: ["/usr/bin/node", "server.js"] });
  const dest = await tempDir();
  await assert.rejects(unpackImage(image, dest), (err: { code: string; message: string }) => {
    assert.equal(err.code, "FN_005");
    assert.match(err.message, /\/usr\/bin\/node/);
    return true;
  });
  await assert.rejects(lstat(join(dest, "rootfs")), { code: "ENOENT" }); // a failed unpack leaves nothing
  const bare = await unpackImage(await buildBusyboxImage({ format: "docker", entrypoint: ["httpd"] }), await tempDir());
  assert.deepEqual(bare.entrypoint, ["httpd"]); // found along the image's PATH (/bin)
});

test("an image exposing another port than $PORT gets a warning", async () => {
  const info = await unpackImage(await buildBusyboxImage({ format: "oci", exposedPorts: ["80/tcp"] }), await tempDir());
  assert.match(info.warnings.join("\n"), /80\/tcp/);
});

test("detectImage and detectImageDir: not an image", async () => {
  assert.equal(await detectImage(Buffer.from("not a tar at all")), undefined);
  const dir = await tempDir();
  await writeFile(join(dir, "manifest.json"), '{"name": "a web app manifest"}');
  assert.equal(detectImageDir(dir), undefined);
  await writeFile(join(dir, "manifest.json"), '[{"Config": "c.json", "Layers": ["l/layer.tar"]}]');
  assert.equal(detectImageDir(dir), "docker");
});
