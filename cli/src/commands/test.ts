import { existsSync, readFileSync } from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";
import { UsageError, stringFlag, type CommandSpec, type Flags } from "../command.ts";
import { invocationFromFile } from "../event-file.ts";
import { loadFunction } from "../local-build.ts";
import { describeEvent } from "../local-events.ts";
import { runLocally, type LocalRun } from "../local-run.ts";
import type { LocalDataOptions } from "../local-services.ts";
import { formatError, formatMs, type Output } from "../output.ts";

const USAGE = "bunbase functions test [dir] --event <file> [--reset-data | --temp-data] [--data-dir <dir>]";
/** Where `@bunbase/sdk` data stays between runs, inside the function folder. */
const LOCAL_DATA = join(".bunbase", "local");
/** Events listed in the human output; `--json` has them all. */
const EVENTS_SHOWN = 20;

export const testCommand: CommandSpec = {
  words: ["functions", "test"],
  args: "[dir]",
  summary: "build and run a function once on this machine, no server: prints the response, logs and events",
  options: {
    event: {
      type: "string",
      value: "<file>",
      description: "the request or event to send (JSON; default test-event.json in dir)",
    },
    "reset-data": {
      type: "boolean",
      description: `empty the local store of @bunbase/sdk data (dir/${LOCAL_DATA}) before the run`,
    },
    "temp-data": { type: "boolean", description: "use a new, empty store for this run only (removed after it)" },
    "data-dir": {
      type: "string",
      value: "<dir>",
      description: `where the local store of @bunbase/sdk data lives (default dir/${LOCAL_DATA})`,
    },
  },
  positionals: { min: 0, max: 1 },
  async run({ out, flags, args: [dirArg] }) {
    const dir = resolve(dirArg ?? ".");
    const data = dataOptions(flags, dir);
    const eventPath = resolve(dir, stringFlag(flags, "event") ?? "test-event.json");
    const file = readEventFile(eventPath);
    const fn = await loadFunction(dir);
    const name = fn.config.name ?? "local";
    const defaultPath = fn.config.triggers.find((t) => t.type === "http")?.path.replace(/[:*].*$/, "") ?? "/";
    const invocation = invocationFromFile(file, { defaultPath });
    for (const w of fn.build.warnings ?? []) out.note(`warning: ${typeof w === "string" ? w : JSON.stringify(w)}`);
    const run = await runLocally(fn, name, invocation, data);
    for (const u of run.env.unresolved) {
      out.note(
        `warning: ${u.key} left unset: it uses ${u.secrets.map((s) => `\${secrets.${s}}`).join(", ")}; set ${u.secrets.map((s) => `BUNBASE_SECRET_${s}`).join(", ")} to test with it`,
      );
    }
    for (const problem of run.problems) out.note(`warning: local services: ${problem}`);
    printRun(out, run);
    if (run.error && !out.json) out.note(formatError(run.error).join("\n"));
    return run.error ? 1 : 0;
  },
};

/** The local store the flags ask for; contradictions and a platform's own data dir are usage errors. */
function dataOptions(flags: Flags, dir: string): LocalDataOptions {
  const reset = flags["reset-data"] === true;
  const dataDir = stringFlag(flags, "data-dir");
  if (flags["temp-data"] === true) {
    if (reset || dataDir !== undefined)
      throw new UsageError("--temp-data uses a new store: it goes with neither --reset-data nor --data-dir", USAGE);
    return { temporary: true };
  }
  const path = dataDir === undefined ? join(dir, LOCAL_DATA) : resolve(dataDir);
  // A platform's data dir (functions dev's .bunbase) holds its keys: not a store to empty.
  if (existsSync(join(path, "admin.key")) || existsSync(join(path, "node.key")))
    throw new UsageError(`${path} holds a platform's keys (admin.key): choose another --data-dir`, USAGE);
  return { dir: path, reset };
}

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
  const outcome = run.error ? { error: run.error } : run.response ? { response: run.response } : { result: run.result };
  const doc = { ...outcome, logs, events: run.events, store: run.store ?? null, durationMs, coldStart };
  const result = resultLines(run);
  out.result(doc, () => [
    ...result,
    ...(result.length > 0 ? [""] : []),
    ...logLines(run),
    ...eventLines(run),
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

/** What the SDK writes published (no trigger fires locally), and where the data stays. */
function eventLines(run: LocalRun): string[] {
  if (run.store === undefined) return [];
  const { events } = run;
  const lines =
    events.length === 0
      ? ["events this run published: none"]
      : [
          "events this run published (triggers do not fire locally; --json has them whole, for --event):",
          ...events.slice(0, EVENTS_SHOWN).map((e) => `  ${describeEvent(e)}`),
          ...(events.length > EVENTS_SHOWN ? [`  ... and ${events.length - EVENTS_SHOWN} more`] : []),
        ];
  const where = run.store.temporary
    ? "data: a temporary store, removed after this run"
    : `data: ${shortPath(run.store.dir)} (kept between runs; --reset-data empties it)`;
  return [...lines, where];
}

function shortPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : path;
}
