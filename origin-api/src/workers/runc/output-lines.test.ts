import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LineSplitter, MAX_LINE_BYTES } from "./output-lines.ts";

function split(chunks: (string | Buffer)[]): string[] {
  const lines: string[] = [];
  const splitter = new LineSplitter((line) => lines.push(line));
  for (const chunk of chunks) splitter.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  splitter.end();
  return lines;
}

describe("LineSplitter", () => {
  it("joins lines across chunks and keeps a last line without newline", () => {
    assert.deepEqual(split(["a", "b\nc\r\n", "\nd"]), ["ab", "c", "", "d"]);
  });

  it("cuts a long line into pieces without losing bytes", () => {
    const lines = split(["x".repeat(MAX_LINE_BYTES * 2 + 5), "\n"]);
    assert.deepEqual(
      lines.map((line) => line.length),
      [MAX_LINE_BYTES, MAX_LINE_BYTES, 5],
    );
  });

  it("does not split a UTF-8 character at a cut", () => {
    const text = "é".repeat(MAX_LINE_BYTES);
    assert.equal(split([text]).join(""), text);
  });
});
