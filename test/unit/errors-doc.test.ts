import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ERROR_CODES, REPO_ROOT } from "../../core/index.ts";

test("every error code of the registry is documented in docs/api.md with its status", () => {
  const doc = readFileSync(join(REPO_ROOT, "docs", "api.md"), "utf8");
  for (const [code, { status }] of Object.entries(ERROR_CODES)) {
    const row = doc.split("\n").find((line) => line.includes(code) && line.startsWith("|"));
    assert.ok(row, `${code} has no row in the error table of docs/api.md`);
    assert.ok(row.includes(String(status)), `${code} row does not give its status ${status}`);
  }
});

test("no two codes share a title, and every status is an HTTP error status", () => {
  const titles = Object.values(ERROR_CODES).map((e) => e.title);
  assert.equal(new Set(titles).size, titles.length);
  for (const { status } of Object.values(ERROR_CODES)) assert.ok(status >= 400 && status < 600);
});
