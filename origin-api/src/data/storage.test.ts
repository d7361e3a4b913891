import { after, before, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { code, openTestData, type TestData } from "./test-store.ts";

let t: TestData;
before(() => (t = openTestData()));
beforeEach(() => t.sink.take());
after(() => t.close());

const text = async (body: ReadableStream<Uint8Array>) => Buffer.from(await new Response(body).arrayBuffer()).toString();

test("put streams to the bucket folder with size, content type and sha256 etag; read streams it back", async () => {
  const content = "hello storage";
  const stream = new Blob([content]).stream();
  const object = await t.data.storage.put("uploads", "docs/a.txt", stream, { contentType: "text/plain" });
  assert.deepEqual(
    { ...object, updatedAt: undefined },
    {
      bucket: "uploads",
      path: "docs/a.txt",
      size: content.length,
      contentType: "text/plain",
      etag: createHash("sha256").update(content).digest("hex"),
      updatedAt: undefined,
    },
  );
  assert.equal(readFileSync(join(t.dir, "storage/uploads/docs/a.txt"), "utf8"), content);
  const { object: read, body } = await t.data.storage.read("uploads", "docs/a.txt");
  assert.deepEqual(read, object);
  assert.equal(await text(body), content);
  const [event] = t.sink.take();
  assert.equal(event.type, "storage.upload");
  assert.equal(event.source, "/storage/uploads");
  assert.deepEqual(event.metadata, { bucket: "uploads", path: "docs/a.txt", size: 13, contentType: "text/plain" });
  assert.deepEqual(readdirSync(join(t.dir, "storage/.tmp")), [], "no temp file left");
});

test("overwrite replaces content; list by prefix pages in path order; delete removes file, empty folders and metadata", async () => {
  await t.data.storage.put("b", "x/1", "one");
  await t.data.storage.put("b", "x/1", "uno", { contentType: "text/plain" });
  await t.data.storage.put("b", "x/2", "two");
  await t.data.storage.put("b", "y/deep/3", "three");
  assert.equal(t.data.storage.stat("b", "x/1").size, 3);
  assert.equal(t.data.storage.stat("b", "x/1").contentType, "text/plain");
  assert.equal(t.data.storage.stat("b", "x/2").contentType, "application/octet-stream");
  const first = t.data.storage.list("b", { prefix: "x/", limit: 1 });
  assert.deepEqual(
    first.objects.map((o) => o.path),
    ["x/1"],
  );
  const second = t.data.storage.list("b", { prefix: "x/", limit: 1, cursor: first.nextCursor! });
  assert.deepEqual([second.objects.map((o) => o.path), second.nextCursor], [["x/2"], null]);
  assert.deepEqual(
    t.data.storage.list("b").objects.map((o) => o.path),
    ["x/1", "x/2", "y/deep/3"],
  );
  t.sink.take();

  t.data.storage.delete("b", "y/deep/3");
  assert.equal(existsSync(join(t.dir, "storage/b/y")), false, "empty folders pruned");
  assert.equal(t.data.storage.find("b", "y/deep/3"), undefined);
  assert.throws(() => t.data.storage.delete("b", "y/deep/3"), code("FN_001", 404));
  const [event] = t.sink.take();
  assert.deepEqual([event.type, event.data, event.metadata?.size], ["storage.delete", null, 5]);
});

test("traversal and odd names never reach the disk outside the bucket", async () => {
  for (const bad of ["../escape", "a/../../escape", "/etc/passwd", "a\\..\\x", "a\u0000b", "a//b", ""])
    await assert.rejects(t.data.storage.put("b", bad, "x"), code("FN_006"));
  await assert.rejects(t.data.storage.put("../b", "x", "x"), code("FN_006"));
  assert.equal(existsSync(join(t.dir, "escape")), false);
  assert.equal(existsSync(join(t.dir, "storage/escape")), false);
});

test("a file where a folder is needed (or the reverse) is 409, nothing half-written", async () => {
  await t.data.storage.put("c", "f", "file");
  await assert.rejects(t.data.storage.put("c", "f/under", "x"), code("FN_006", 409));
  await t.data.storage.put("c", "dir/x", "x");
  await assert.rejects(t.data.storage.put("c", "dir", "x"), code("FN_006", 409));
  assert.equal(t.data.storage.find("c", "dir"), undefined);
  assert.deepEqual(readdirSync(join(t.dir, "storage/.tmp")), []);
});

test("a failed publish keeps the old object and leaves no file", async () => {
  await t.data.storage.put("d", "keep", "old");
  t.sink.failWith = new Error("sink down");
  try {
    await assert.rejects(t.data.storage.put("d", "keep", "new"), /sink down/);
    await assert.rejects(t.data.storage.put("d", "lost", "new"), /sink down/);
    assert.throws(() => t.data.storage.delete("d", "keep"), /sink down/);
  } finally {
    t.sink.failWith = undefined;
  }
  assert.equal(readFileSync(join(t.dir, "storage/d/keep"), "utf8"), "old");
  assert.equal(t.data.storage.stat("d", "keep").size, 3);
  assert.equal(existsSync(join(t.dir, "storage/d/lost")), false);
});

test("metadata without its file (removed by hand) reads as FN_001 and can still be deleted", async () => {
  await t.data.storage.put("e", "gone", "x");
  writeFileSync(join(t.dir, "storage/e/other"), "not tracked");
  const { rmSync } = await import("node:fs");
  rmSync(join(t.dir, "storage/e/gone"));
  await assert.rejects(t.data.storage.read("e", "gone"), code("FN_001"));
  t.data.storage.delete("e", "gone");
});

test("bad content types are FN_006", async () => {
  await assert.rejects(t.data.storage.put("f", "x", "x", { contentType: "text/plain\r\nx-evil: 1" }), code("FN_006"));
});
