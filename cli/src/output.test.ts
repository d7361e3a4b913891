import { test } from "node:test";
import assert from "node:assert/strict";
import { describeError, formatBytes, formatError, formatLog, Output, shortHash, table } from "./output.ts";

function capture(json: boolean) {
  const streams = { stdout: "", stderr: "" };
  const out = new Output(json, { stdout: (t) => (streams.stdout += t), stderr: (t) => (streams.stderr += t) });
  return { out, streams };
}

test("FN_005 prints each diagnostic as file:line:column message", () => {
  const lines = formatError({
    code: "FN_005",
    message: "Build failed",
    details: { diagnostics: [{ file: "index.ts", line: 3, column: 7, message: 'Could not resolve "nope"' }] },
  });
  assert.deepEqual(lines, ["error FN_005: Build failed", '  index.ts:3:7 Could not resolve "nope"']);
});

test("FN_006 names details.path unless the message already starts with it", () => {
  assert.deepEqual(formatError({ code: "FN_006", message: "must be >= 128", details: { path: "memory" } }), [
    "error FN_006: must be >= 128",
    "  at memory",
  ]);
  assert.deepEqual(formatError({ code: "FN_006", message: "memory: must be >= 128", details: { path: "memory" } }), [
    "error FN_006: memory: must be >= 128",
  ]);
});

test("errors without a code print as `error: message`", () => {
  assert.deepEqual(describeError(new Error("boom")), ["error: boom"]);
  assert.deepEqual(describeError({ code: "FN_001", message: "Function not found" }), [
    "error FN_001: Function not found",
  ]);
});

test("--json prints one JSON document; human mode prints the text", () => {
  const json = capture(true);
  json.out.result({ a: 1 }, () => "human");
  json.out.print("progress");
  assert.deepEqual(JSON.parse(json.streams.stdout), { a: 1 });
  const human = capture(false);
  human.out.result({ a: 1 }, () => ["line 1", "line 2"]);
  assert.equal(human.streams.stdout, "line 1\nline 2\n");
});

test("--json errors: the envelope on stdout, the readable line on stderr", () => {
  const { out, streams } = capture(true);
  out.error({ code: "FN_001", message: "Function not found" });
  assert.deepEqual(JSON.parse(streams.stdout), { error: { code: "FN_001", message: "Function not found" } });
  assert.equal(streams.stderr, "error FN_001: Function not found\n");
});

test("tables pad columns and upper-case headers; sizes, hashes and log lines read short", () => {
  assert.deepEqual(
    table(
      ["name", "v"],
      [
        ["hello", "v1"],
        ["a", "v12"],
      ],
    ),
    ["NAME   V", "hello  v1", "a      v12"],
  );
  assert.deepEqual(table(["name"], []), []);
  assert.equal(formatBytes(999), "999 B");
  assert.equal(formatBytes(1234), "1.2 kB");
  assert.equal(formatBytes(2_500_000), "2.5 MB");
  assert.equal(shortHash("sha256:0123456789abcdef0123"), "0123456789ab");
  assert.equal(
    formatLog({ time: "2026-01-01T00:00:00.000Z", level: "warn", message: "careful" }),
    "2026-01-01T00:00:00.000Z warn  careful",
  );
});
