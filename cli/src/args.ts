/**
 * Command-line parsing with `node:util` parseArgs: find the command by its words, then
 * parse its flags strictly. Every mistake is a UsageError (exit 2).
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError, usageLine, type CommandSpec, type Flags, type OptionSpec } from "./command.ts";

export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  "api-url": {
    type: "string",
    value: "<url>",
    description: "origin API (default $BUNBASE_API_URL or http://127.0.0.1:8700)",
  },
  "api-key": {
    type: "string",
    value: "<key>",
    description: "API key (default $BUNBASE_API_KEY, else admin.key in $BUNBASE_DATA_DIR or ./.bunbase)",
  },
  json: { type: "boolean", description: "print the API's JSON, one document" },
  help: { type: "boolean", short: "h", description: "show help" },
};

export type ParsedCommandLine =
  | { kind: "run"; spec: CommandSpec; args: string[]; flags: Flags }
  | { kind: "help"; spec?: CommandSpec; prefix: string[] };

type ParseOptions = NonNullable<ParseArgsConfig["options"]>;

function toParseOptions(options: Record<string, OptionSpec>): ParseOptions {
  const out: ParseOptions = {};
  for (const [name, o] of Object.entries(options))
    out[name] = o.short ? { type: o.type, short: o.short } : { type: o.type };
  return out;
}

/** Every flag any command knows, so a loose first pass consumes flag values correctly. */
function allOptions(commands: CommandSpec[]): ParseOptions {
  const all = toParseOptions(GLOBAL_OPTIONS);
  for (const spec of commands) Object.assign(all, toParseOptions(spec.options));
  return all;
}

function matchCommand(words: string[], commands: CommandSpec[]): CommandSpec | undefined {
  let best: CommandSpec | undefined;
  for (const spec of commands) {
    const fits = spec.words.every((w, i) => words[i] === w);
    if (fits && (!best || spec.words.length > best.words.length)) best = spec;
  }
  return best;
}

export function parseCommandLine(argv: string[], commands: CommandSpec[]): ParsedCommandLine {
  let loose;
  try {
    loose = parseArgs({ args: argv, options: allOptions(commands), strict: false, allowPositionals: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const words = loose.positionals;
  const wantsHelp = loose.values.help === true;
  if (words[0] === "help")
    return { kind: "help", spec: matchCommand(words.slice(1), commands), prefix: words.slice(1) };
  const spec = matchCommand(words, commands);
  if (!spec) {
    const isGroup = commands.some((c) => c.words.length > words.length && words.every((w, i) => c.words[i] === w));
    if (wantsHelp || isGroup) return { kind: "help", prefix: words };
    throw new UsageError(`unknown command: ${words.join(" ")}`, closestUsage(words, commands));
  }
  if (wantsHelp) return { kind: "help", spec, prefix: spec.words };

  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...toParseOptions(GLOBAL_OPTIONS), ...toParseOptions(spec.options) },
      strict: true,
      allowPositionals: true,
    });
  } catch (err) {
    throw new UsageError(cleanParseError(err as Error), usageLine(spec, true));
  }
  const args = parsed.positionals.slice(spec.words.length);
  const { min, max } = spec.positionals;
  if (args.length < min) throw new UsageError(`missing argument: ${spec.args}`, usageLine(spec, true));
  if (args.length > max) throw new UsageError(`unexpected argument: ${args[max]}`, usageLine(spec, true));
  return { kind: "run", spec, args, flags: parsed.values as Flags };
}

/** parseArgs messages end with advice about `--` that does not apply to us. */
function cleanParseError(err: Error): string {
  return err.message.split(". To specify")[0].replace(/\.$/, "");
}

/** The usage lines of the commands that share the longest known prefix of `words`. */
function closestUsage(words: string[], commands: CommandSpec[]): string | undefined {
  for (let n = words.length - 1; n > 0; n--) {
    const group = commands.filter((c) => c.words.length > n - 1 && words.slice(0, n).every((w, i) => c.words[i] === w));
    if (group.length > 0) return group.map((c) => usageLine(c)).join("\n       ");
  }
  return undefined;
}
