/** `bunbase --help`, `bunbase help <command>` and `<command> --help`. */
import { GLOBAL_OPTIONS } from "./args.ts";
import { usageLine, type CommandSpec, type OptionSpec } from "./command.ts";

function optionLines(options: Record<string, OptionSpec>): string[] {
  const entries = Object.entries(options).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : ""}--${name}${o.value ? ` ${o.value}` : ""}`;
    return [flag, o.description] as const;
  });
  const width = Math.max(...entries.map(([flag]) => flag.length));
  return entries.map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}`);
}

export function commandHelp(spec: CommandSpec): string {
  const lines = [`usage: ${usageLine(spec, true)}`, "", spec.summary];
  if (Object.keys(spec.options).length > 0) lines.push("", "options:", ...optionLines(spec.options));
  lines.push("", "global options:", ...optionLines(GLOBAL_OPTIONS));
  return lines.join("\n");
}

export function generalHelp(commands: CommandSpec[], prefix: string[] = []): string {
  const shown = commands.filter((c) => prefix.every((w, i) => c.words[i] === w));
  const list = shown.length > 0 ? shown : commands;
  const usages = list.map((c) => [usageLine(c).replace(/^bunbase /, ""), c.summary] as const);
  const width = Math.min(48, Math.max(...usages.map(([u]) => u.length)));
  return [
    "usage: bunbase <command> [options]",
    "",
    "commands:",
    ...usages.map(([u, s]) =>
      u.length > width ? `  ${u}\n  ${"".padEnd(width)}  ${s}` : `  ${u.padEnd(width)}  ${s}`,
    ),
    "",
    "global options:",
    ...optionLines(GLOBAL_OPTIONS),
    "",
    "exit codes: 0 ok, 1 API or function error, 2 bad usage. `bunbase <command> --help` for its flags.",
  ].join("\n");
}
