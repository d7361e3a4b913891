/** Tampered, incomplete or oversized archives: FN_005, and no rootfs left behind. */
import assert from "node:assert/strict";
import { lstat, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { gzipSync } from "node:zlib";
import { buildBusyboxImage, layerTar, type BusyboxImageOptions } from "../../../../test/helpers/busybox-image.ts";
import { unpackImage, type ImageLimits } from "./index.ts";

const made: string[] = [];
after(async () => {
  for (const dir of made) await rm(dir, { recursive: true, force: true });
});

async function refused(opts: BusyboxImageOptions, reason: RegExp, limits?: Partial<ImageLimits>): Promise<void> {
  const dest = await mkdtemp(join(tmpdir(), "bb-integrity-"));
  made.push(dest);
  await assert.rejects(
    unpackImage(await buildBusyboxImage(opts), dest, { limits }),
    (err: { code: string; message: string }) => {
      assert.equal(err.code, "FN_005");
      assert.match(err.message, reason);
      return true;
    },
  );
  await assert.rejects(lstat(join(dest, "rootfs")), { code: "ENOENT" });
}

const flipMiddle = (predicate: (name: string, bytes: Buffer) => boolean) => (members: Map<string, Buffer>) => {
  for (const [name, bytes] of members) {
    if (!predicate(name, bytes)) continue;
    const copy = Buffer.from(bytes);
    copy[copy.length >> 1] ^= 0xff; // inside busybox's bytes: the tar stays valid
    members.set(name, copy);
  }
};
const isLayer = (name: string, bytes: Buffer) => name.startsWith("blobs/") && bytes.length > 100_000;

test("OCI: a layer blob whose bytes do not match its digest", async () => {
  await refused({ format: "oci", tamper: flipMiddle(isLayer) }, /digest mismatch/);
});

test("docker save: a layer.tar whose content does not match the config's diff_id", async () => {
  await refused({ format: "docker", tamper: flipMiddle((name) => name.endsWith("layer.tar")) }, /digest mismatch/);
});

test("OCI: a missing layer blob, a missing config, a manifest whose digest is wrong", async () => {
  await refused({ format: "oci", tamper: (m) => m.forEach((b, n) => isLayer(n, b) && m.delete(n)) }, /missing/);
  const dropConfig = (m: Map<string, Buffer>) =>
    m.forEach((b, n) => n.startsWith("blobs/") && b.includes('"rootfs"') && m.delete(n));
  await refused({ format: "oci", tamper: dropConfig }, /missing/);
  const editManifest = (m: Map<string, Buffer>) =>
    m.forEach((b, n) => {
      if (n.startsWith("blobs/") && b.includes('"layers"'))
        m.set(n, Buffer.from(b.toString().replace("schemaVersion", "schemaVersioN")));
    });
  await refused({ format: "oci", tamper: editManifest }, /digest mismatch/);
});

test("docker save: a missing config and a config renamed to another digest", async () => {
  await refused(
    {
      format: "docker",
      tamper: (m) => m.forEach((_b, n) => n.endsWith(".json") && n !== "manifest.json" && m.delete(n)),
    },
    /missing/,
  );
  await refused(
    {
      format: "docker",
      env: { A: "1" },
      tamper: (m) =>
        m.forEach((b, n) => {
          if (n.endsWith(".json") && n !== "manifest.json")
            m.set(n, Buffer.from(b.toString().replace('"A=1"', '"A=2"')));
        }),
    },
    /digest mismatch/,
  );
});

test("an unknown layer media type, and zstd, are refused", async () => {
  await refused(
    { format: "oci", layerMediaType: "application/vnd.example.layer.v1.squashfs" },
    /unknown layer media type/,
  );
  await refused({ format: "oci", layerMediaType: "application/vnd.oci.image.layer.v1.tar+zstd" }, /zstd/);
});

test("a gzip bomb layer stops at the byte cap", async () => {
  const zeros = gzipSync(Buffer.alloc(64 * 1024 * 1024)); // ~64 KB that inflate to 64 MiB
  const bomb = (m: Map<string, Buffer>) => m.forEach((_b, n) => n.endsWith("layer.tar") && m.set(n, zeros));
  const started = Date.now();
  await refused({ format: "docker", tamper: bomb }, /more than 4194304 bytes/, { maxBytes: 4 * 1024 * 1024 });
  assert.ok(Date.now() - started < 5000);
});

test("a file larger than the cap is refused from its header, before its bytes are written", async () => {
  const big = Buffer.alloc(3 * 1024 * 1024, 1);
  await refused({ format: "oci", gzip: true, files: { "big.bin": big } }, /more than 4194304 bytes/, {
    maxBytes: 4 * 1024 * 1024,
  });
});

test("too many entries", async () => {
  const many = Array.from({ length: 50 }, (_, i) => ({ path: `many/f${i}`, content: "" }));
  await refused({ format: "oci", extraLayers: [many] }, /more than 40 entries/, { maxEntries: 40 });
});

test("a layer that is not a tar", async () => {
  const junk = (m: Map<string, Buffer>) =>
    m.forEach((_b, n) => n.endsWith("layer.tar") && m.set(n, Buffer.alloc(2048, 0x41)));
  await refused({ format: "docker", tamper: junk }, /layer/);
  assert.ok(layerTar([]).length === 1024);
});
