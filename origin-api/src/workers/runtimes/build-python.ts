/**
 * Python artifacts: the sources as uploaded, checked with the target interpreter (every
 * .py file compiled, never run) so a syntax error or a missing handler fails the deploy
 * with FN_005 instead of every cold start.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { Diagnostic } from "../../../../bundler/index.ts";
import {
  copySources,
  deployFailed,
  handlerName,
  writeManifest,
  type ArtifactBuild,
  type BuildArtifactOptions,
} from "./artifact.ts";
import { pythonBinary, type PythonRuntime } from "./runtime-status.ts";

const CHECK_SCRIPT = fileURLToPath(new URL("./python/check_syntax.py", import.meta.url));
const DEFAULT_HANDLER = "main.handler";
const CHECK_TIMEOUT_MS = 60_000;

/** `pkg/main.handler` -> { module: "pkg/main", fn: "handler" }. */
function splitPythonHandler(ref: string): { module: string; fn: string } {
  const dot = ref.lastIndexOf(".");
  return { module: ref.slice(0, dot), fn: ref.slice(dot + 1) };
}

/** The file a module name loads from: `main.py`, else the package `main/__init__.py`. */
function moduleFile(dir: string, module: string): string {
  const pkg = `${module}/__init__.py`;
  return !existsSync(join(dir, `${module}.py`)) && existsSync(join(dir, pkg)) ? pkg : `${module}.py`;
}

/** Every handler the config names, by module file: the default one and the triggers' own. */
function handlersByModule(dir: string, config: BuildArtifactOptions["config"]): Record<string, string[]> {
  const main = splitPythonHandler(config.handler ?? DEFAULT_HANDLER);
  const wanted = [main];
  for (const trigger of config.triggers) {
    if (trigger.handler === undefined) continue;
    wanted.push(
      trigger.handler.includes(".")
        ? splitPythonHandler(trigger.handler)
        : { module: main.module, fn: handlerName(trigger.handler) },
    );
  }
  const byFile: Record<string, string[]> = {};
  for (const { module, fn } of wanted) (byFile[moduleFile(dir, module)] ??= []).push(fn);
  return byFile;
}

async function checkSources(runtime: PythonRuntime, dir: string, handlers: Record<string, string[]>) {
  const run = promisify(execFile);
  try {
    const { stdout } = await run(pythonBinary(runtime), ["-I", "-B", CHECK_SCRIPT, dir, JSON.stringify(handlers)], {
      timeout: CHECK_TIMEOUT_MS,
      maxBuffer: 16 * 1024 * 1024,
    });
    return (JSON.parse(stdout) as { problems: Diagnostic[] }).problems;
  } catch (err) {
    throw deployFailed(`Build failed: the Python check did not complete: ${(err as Error).message}`);
  }
}

export async function buildPython(runtime: PythonRuntime, options: BuildArtifactOptions): Promise<ArtifactBuild> {
  const { srcDir, outDir, config } = options;
  await copySources(srcDir, outDir, ["__pycache__"]);
  const problems = await checkSources(runtime, outDir, handlersByModule(outDir, config));
  if (problems.length > 0) {
    const first = problems[0];
    const where = first.line > 0 ? `${first.file}:${first.line}:${first.column}` : first.file;
    throw deployFailed(`Build failed: ${where}: ${first.message}`, problems);
  }
  const warnings: string[] = [];
  if (existsSync(join(srcDir, "requirements.txt"))) {
    warnings.push(
      "requirements.txt is not installed on deploy: vendor packages into the folder (pip install -t . -r requirements.txt)",
    );
  }
  await writeManifest(outDir, { runtime, handler: config.handler ?? DEFAULT_HANDLER });
  return { warnings };
}
