import assert from "node:assert/strict";
import { test } from "node:test";
import { parseOutputLine } from "./output-lines.ts";

const now = new Date("2026-11-24T00:00:00.000Z");

test("plain lines: info from stdout, error from stderr", () => {
  assert.deepEqual(parseOutputLine("stdout", "hello", now), {
    level: "info",
    message: "hello",
    time: now.toISOString(),
  });
  assert.equal(parseOutputLine("stderr", "Traceback (most recent call last):", now).level, "error");
});

test("JSON lines keep their level, invocation id and other fields", () => {
  const log = parseOutputLine(
    "stdout",
    JSON.stringify({ level: "warn", message: "slow", invocationId: "inv_1", ms: 12 }),
    now,
  );
  assert.deepEqual(log, {
    level: "warn",
    message: "slow",
    invocationId: "inv_1",
    time: now.toISOString(),
    fields: { ms: 12 },
  });
  assert.equal(parseOutputLine("stdout", JSON.stringify({ level: 50, msg: "pino error" }), now).level, "error");
  assert.equal(parseOutputLine("stderr", JSON.stringify({ level: "WARNING", message: "py" }), now).level, "warn");
});

test("JSON without a known level or a message is a plain line", () => {
  for (const line of [
    '{"level":"loud","message":"x"}',
    '{"message":"no level"}',
    '{"level":"info"}',
    "[1,2]",
    "{oops",
  ]) {
    const log = parseOutputLine("stdout", line, now);
    assert.equal(log.message, line);
    assert.equal(log.level, "info");
  }
});
