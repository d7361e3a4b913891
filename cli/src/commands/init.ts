import { relative, resolve } from "node:path";
import { UsageError, stringFlag, type CommandSpec } from "../command.ts";
import { FUNCTION_NAME, SCAFFOLD_RUNTIMES, scaffoldFor, writeScaffold } from "../scaffold/index.ts";

const USAGE = "bunbase functions init <name> [--runtime nodejs20] [--dir <parent>]";

export const initCommand: CommandSpec = {
  words: ["functions", "init"],
  args: "<name>",
  summary: "scaffold a function folder: config, handler, test event, unit test, README",
  options: {
    runtime: {
      type: "string",
      value: "<runtime>",
      description: `one of ${SCAFFOLD_RUNTIMES.join(", ")} (default nodejs20)`,
    },
    dir: { type: "string", value: "<parent>", description: "create the folder in here (default: the current folder)" },
  },
  positionals: { min: 1, max: 1 },
  async run({ out, flags, args: [name] }) {
    if (!FUNCTION_NAME.test(name)) {
      throw new UsageError(
        `invalid name ${JSON.stringify(name)}: 1-63 lower-case letters, digits or -, starting with a letter`,
        USAGE,
      );
    }
    const runtime = stringFlag(flags, "runtime") ?? "nodejs20";
    const files = scaffoldFor(name, runtime);
    if (!files)
      throw new UsageError(
        `no scaffold for runtime ${JSON.stringify(runtime)}: use one of ${SCAFFOLD_RUNTIMES.join(", ")}`,
        USAGE,
      );
    const folder = resolve(stringFlag(flags, "dir") ?? ".", name);
    if (!writeScaffold(folder, files)) throw new UsageError(`${folder} already exists: pick another name or --dir`);
    const shown = relative(process.cwd(), folder) || ".";
    const isJs = "index.ts" in files;
    out.result({ name, runtime, dir: folder, files: Object.keys(files) }, () => [
      `created ${shown}/ (${runtime}): ${listed(Object.keys(files))}`,
      "",
      "next:",
      `  cd ${shown}`,
      ...(isJs
        ? [
            "  bunbase functions test --event test-event.json   # run it once, locally",
            "  bunbase functions test --event events/queue.json # a sample event per trigger type in events/",
            "  bunbase functions dev                            # local platform, reload on save",
          ]
        : []),
      `  bunbase functions deploy ${name}`,
    ]);
  },
};

/** The files, with the sample events folded into one entry. */
function listed(files: string[]): string {
  const events = files.filter((f) => f.startsWith("events/"));
  const rest = files.filter((f) => !f.startsWith("events/"));
  return [...rest, ...(events.length ? [`events/ (${events.length} sample events)`] : [])].join(", ");
}
