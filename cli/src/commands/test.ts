import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { UsageError, stringFlag, type CommandSpec } from "../command.ts";
import { invocationFromFile } from "../event-file.ts";
import { loadFunction } from "../local-build.ts";
import { runLocally, type LocalRun } from "../local-run.ts";
import { formatError, formatMs, type Output } from "../output.ts";

const USAGE = "bunbase functions test [dir] --event <file>";

export const testCommand: CommandSpec = {
  words: ["functions", "test"],
  args: "[dir]",
  summary: "build and run a function once on this machine, no server: prints the response and logs",
  options: {
    event: {
      type: "string",
      value: "<file>",
      description: "the request or event to send (JSON; default test-event.json in dir)",
    },
  },
  positionals: { min: 0, max: 1 },
  async run({ out, flags, args: [dirArg] }) {
    const dir = resolve(dirArg ?? ".");
    const eventPath = resolve(dir, stringFlag(flags, "event") ?? "test-event.json");
    const file = readEventFile(eventPath);
    const fn = await loadFunction(dir);
    const name = fn.config.name ?? "local";
    const defaultPath = fn.config.triggers.find((t) => t.type === "http")?.path.replace(/[:*].*$/, "") ?? "/";
    const invocation = invocationFromFile(file, { defaultPath });
    for (const w of fn.build.warnings ?? []) out.note(`warning: ${typeof w === "string" ? w : JSON.stringify(w)}`);
    const run = await runLocally(fn, name, invocation);
    for (const u of run.env.unresolved) {
      out.note(
        `warning: ${u.key} left unset: it uses ${u.secrets.map((s) => `\${secrets.${s}}`).join(", ")}; set ${u.secrets.map((s) => `BUNBASE_SECRET_${s}`).join(", ")} to test with it`,
      );
    }
    printRun(out, run);
    if (run.error && !out.json) out.note(formatError(run.error).join("\n"));
    return run.error ? 1 : 0;
  },
};

function readEventFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new UsageError(`cannot read the event file ${path}`, USAGE);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${path} is not valid JSON: ${(err as Error).message}`, USAGE);
  }
}

export function printRun(out: Output, run: LocalRun): void {
  const { logs, durationMs, coldStart } = run;
  const doc = run.error
    ? { error: run.error, logs, durationMs, coldStart }
    : run.response
      ? { response: run.response, logs, durationMs, coldStart }
      : { result: run.result, logs, durationMs, coldStart };
  const result = resultLines(run);
  out.result(doc, () => [
    ...result,
    ...(result.length > 0 ? [""] : []),
    ...logLines(run),
    `duration ${formatMs(durationMs)} ms${coldStart ? " (cold start)" : ""}`,
  ]);
}

function resultLines(run: LocalRun): string[] {
  if (run.error) return [];
  if (run.response) {
    const { status, headers, body } = run.response;
    return [`status ${status}`, ...headers.map(([k, v]) => `${k}: ${v}`), "", body];
  }
  return [JSON.stringify(run.result ?? null, null, 2)];
}

function logLines(run: LocalRun): string[] {
  if (run.logs.length === 0) return ["logs: none"];
  return ["logs:", ...run.logs.map((l) => `  ${l.level.padEnd(5)} ${l.message}`)];
}
