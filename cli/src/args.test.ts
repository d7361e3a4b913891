import { test } from "node:test";
import assert from "node:assert/strict";
import { parseCommandLine } from "./args.ts";
import { UsageError } from "./command.ts";
import { COMMANDS } from "./commands/index.ts";

const parse = (line: string) => parseCommandLine(line.split(" ").filter(Boolean), COMMANDS);

function usageError(line: string): UsageError {
  try {
    parse(line);
  } catch (err) {
    assert.ok(err instanceof UsageError, `expected a UsageError for "${line}", got ${String(err)}`);
    return err;
  }
  assert.fail(`"${line}" parsed without error`);
}

test("finds the longest command and splits its arguments and flags", () => {
  const parsed = parse("functions env set greeter A=1 B=2 --secret --env staging");
  assert.equal(parsed.kind, "run");
  if (parsed.kind !== "run") return;
  assert.deepEqual(parsed.spec.words, ["functions", "env", "set"]);
  assert.deepEqual(parsed.args, ["greeter", "A=1", "B=2"]);
  assert.equal(parsed.flags.secret, true);
  assert.equal(parsed.flags.env, "staging");
});

test("global flags may come before the command and take their values", () => {
  const parsed = parse("--api-url http://x:1 --json functions deploy greeter --dir ./g");
  assert.equal(parsed.kind, "run");
  if (parsed.kind !== "run") return;
  assert.deepEqual(parsed.spec.words, ["functions", "deploy"]);
  assert.deepEqual(parsed.args, ["greeter"]);
  assert.equal(parsed.flags["api-url"], "http://x:1");
  assert.equal(parsed.flags.json, true);
  assert.equal(parsed.flags.dir, "./g");
});

test("unknown command, unknown flag, missing and extra arguments are usage errors", () => {
  assert.match(usageError("functions lsit").message, /unknown command: functions lsit/);
  assert.match(usageError("frobnicate").message, /unknown command/);
  const flag = usageError("functions list --bogus");
  assert.match(flag.message, /--bogus/);
  assert.equal(flag.usage, "bunbase functions list");
  assert.match(usageError("functions deploy").message, /missing argument/);
  assert.match(usageError("functions deploy").usage ?? "", /^bunbase functions deploy <name> \[--dir <dir>\]/);
  assert.match(usageError("functions delete a b").message, /unexpected argument: b/);
  assert.match(usageError("functions deploy greeter --dir").message, /--dir/);
  // a flag of another command is not valid here
  assert.match(usageError("functions list --secret").message, /--secret/);
});

test("--help and `help <command>` ask for help instead of running", () => {
  const a = parse("functions deploy --help");
  assert.equal(a.kind, "help");
  assert.deepEqual(a.kind === "help" && a.spec?.words, ["functions", "deploy"]);
  const b = parse("help functions logs");
  assert.deepEqual(b.kind === "help" && b.spec?.words, ["functions", "logs"]);
  assert.equal(parse("").kind, "help");
  assert.equal(parse("functions").kind, "help");
});

test("no two commands share their words, and a flag means one type everywhere", () => {
  const words = COMMANDS.map((c) => c.words.join(" "));
  assert.equal(new Set(words).size, words.length);
  const types = new Map<string, string>();
  for (const c of COMMANDS) {
    for (const [name, o] of Object.entries(c.options)) {
      assert.equal(types.get(name) ?? o.type, o.type, `--${name} has two types`);
      types.set(name, o.type);
    }
  }
});
