/**
 * What a `bunbase` command is: its words, its flags, how many arguments it takes and
 * what it does. `main.ts` parses the command line against these specs (`args.ts`).
 */
import type { ApiClient } from "./api-client.ts";
import type { Output } from "./output.ts";

export interface OptionSpec {
  type: "string" | "boolean";
  short?: string;
  /** The value's placeholder in usage lines, e.g. `<file>`. */
  value?: string;
  description: string;
}

export interface CommandSpec {
  /** The command words, e.g. `["functions", "env", "set"]`. */
  words: string[];
  /** Arguments after the words, as shown in usage, e.g. `<name> KEY=VALUE`. */
  args: string;
  summary: string;
  options: Record<string, OptionSpec>;
  /** How many positional arguments the command accepts. */
  positionals: { min: number; max: number };
  run(ctx: CommandContext): Promise<number | void>;
}

export interface GlobalFlags {
  apiUrl: string;
  apiKey?: string;
  json: boolean;
}

export type Flags = Record<string, string | boolean | undefined>;

export interface CommandContext {
  args: string[];
  flags: Flags;
  globals: GlobalFlags;
  out: Output;
  /** An API client built from the global flags (created on first use). */
  client(): ApiClient;
}

/** A mistake on the command line: exit code 2 with a short usage line. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly usage?: string,
  ) {
    super(message);
    this.name = "UsageError";
  }
}

export function stringFlag(flags: Flags, name: string): string | undefined {
  const value = flags[name];
  return typeof value === "string" ? value : undefined;
}

/** `bunbase functions deploy <name>`; with `flags`, each option too: `[--dir <dir>]`. */
export function usageLine(spec: CommandSpec, flags = false): string {
  const options = flags
    ? Object.entries(spec.options).map(
        ([name, o]) => `[--${name}${o.type === "string" ? ` ${o.value ?? "<value>"}` : ""}]`,
      )
    : [];
  return ["bunbase", ...spec.words, spec.args, ...options].filter(Boolean).join(" ");
}
