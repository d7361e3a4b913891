import { test } from "node:test";
import assert from "node:assert/strict";
import { isBunbaseError } from "../../../core/index.ts";
import { parseBucketName } from "./names.ts";
import { fileInside, parseObjectPath, parsePrefix } from "./object-paths.ts";

const refused = (fn: () => unknown) =>
  assert.throws(fn, (err: unknown) => isBunbaseError(err) && err.code === "FN_006");

test("object paths that could leave the bucket folder are refused", () => {
  for (const bad of [
    "",
    "..",
    "../x",
    "a/../../x",
    "a/..",
    "./a",
    "a/./b",
    "/etc/passwd",
    "a//b",
    "a/",
    "a\\..\\b",
    "..\\x",
    "a\u0000b",
    "a\nb",
    "x".repeat(256),
    "a/".repeat(600) + "a",
  ])
    refused(() => parseObjectPath(bad));
});

test("ordinary names pass, unicode and dots inside names included", () => {
  for (const ok of ["a", "a/b/c.txt", "..hidden", "a..b", ".env", "photos/2024/été.jpg", "x".repeat(255)])
    assert.equal(parseObjectPath(ok), ok);
});

test("fileInside stays under the bucket folder", () => {
  assert.equal(fileInside("/data/storage/b", "a/b.txt"), "/data/storage/b/a/b.txt");
  refused(() => fileInside("/data/storage/b", "../b2/x"));
  refused(() => fileInside("/data/storage/b", "/etc/passwd"));
});

test("prefixes may be empty or end with a slash; buckets are plain folder names", () => {
  assert.equal(parsePrefix(undefined), "");
  assert.equal(parsePrefix("photos/"), "photos/");
  refused(() => parsePrefix("../"));
  refused(() => parsePrefix("/abs"));
  for (const bad of ["", ".", "..", ".tmp", "a/b", "a\\b", "x".repeat(64), "sp ace"])
    refused(() => parseBucketName(bad));
  assert.equal(parseBucketName("user-uploads.v2"), "user-uploads.v2");
});
