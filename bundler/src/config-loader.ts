/**
 * Finds and reads a function folder's `function.config.*`. A TS/JS config is user code:
 * it is bundled with esbuild and evaluated in a throwaway isolate with no host callbacks,
 * a small heap and a 1 s budget; only its default export, as JSON text, comes out.
 * It is never `import()`ed in a host process.
 */
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { build as esbuild, type BuildFailure } from "esbuild";
import ivm from "isolated-vm";
import { invalid } from "../../core/index.ts";
import { bunbaseModulesPlugin, formatMessage, nodeBuiltinsPlugin } from "./esbuild-plugins.ts";

/** Looked for in this order; the first one present wins. */
export const CONFIG_FILES = ["function.config.ts", "function.config.js", "function.config.mjs", "function.config.json"];

export const CONFIG_ISOLATE_LIMITS = { memoryMb: 32, timeoutMs: 1000 } as const;

const GLOBAL_NAME = "__bunbaseConfig";

export interface LoadedConfigFile {
  file: string;
  raw: unknown;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false; // absent (or unreadable): not a config file
  }
}

/** The raw default export of the folder's config file, or undefined when it has none. */
export async function loadConfigFile(dir: string): Promise<LoadedConfigFile | undefined> {
  for (const file of CONFIG_FILES) {
    if (!(await isFile(join(dir, file)))) continue;
    const raw = file.endsWith(".json") ? await readJsonConfig(dir, file) : await evaluateConfigModule(dir, file);
    return { file, raw };
  }
  return undefined;
}

async function readJsonConfig(dir: string, file: string): Promise<unknown> {
  // Editors on Windows like to start files with a BOM, which JSON.parse rejects.
  const text = (await readFile(join(dir, file), "utf8")).replace(/^\uFEFF/, "");
  try {
    return JSON.parse(text);
  } catch (err) {
    throw invalid(file, `malformed JSON: ${(err as Error).message}`);
  }
}

/** Bundles the config module into one script that leaves its namespace in a global. */
async function bundleConfig(dir: string, file: string): Promise<string> {
  try {
    const result = await esbuild({
      absWorkingDir: dir,
      entryPoints: [`./${file}`],
      bundle: true,
      format: "iife",
      globalName: GLOBAL_NAME,
      platform: "neutral",
      target: "es2022",
      mainFields: ["browser", "module", "main"],
      conditions: ["workerd", "worker", "browser", "import", "default"],
      write: false,
      logLevel: "silent",
      nodePaths: [],
      plugins: [bunbaseModulesPlugin(), nodeBuiltinsPlugin(true)],
    });
    return result.outputFiles[0].text;
  } catch (err) {
    const failure = err as Partial<BuildFailure>;
    const first = failure.errors?.[0];
    throw invalid(file, `cannot bundle: ${first ? formatMessage(first) : (err as Error).message}`);
  }
}

async function evaluateConfigModule(dir: string, file: string): Promise<unknown> {
  const code = await bundleConfig(dir, file);
  const json = await evaluateInIsolate(code, file);
  if (json === undefined) throw invalid(file, "has no default export (export default { ... })");
  return JSON.parse(json) as unknown;
}

/**
 * Runs the bundled config in a fresh isolate and returns `JSON.stringify` of its default
 * export (computed inside, so getters and cycles are the guest's problem, under the
 * timeout). Only a string crosses back.
 */
async function evaluateInIsolate(code: string, file: string): Promise<string | undefined> {
  const isolate = new ivm.Isolate({ memoryLimit: CONFIG_ISOLATE_LIMITS.memoryMb });
  try {
    const context = await isolate.createContext();
    const script = await isolate.compileScript(
      `${code}\n;(() => { const d = ${GLOBAL_NAME}.default; return d === undefined ? undefined : JSON.stringify(d); })()`,
      { filename: file },
    );
    const result: unknown = await script.run(context, { timeout: CONFIG_ISOLATE_LIMITS.timeoutMs });
    if (result !== undefined && typeof result !== "string") throw new Error("default export is not JSON");
    return result;
  } catch (err) {
    throw invalid(file, `evaluating the config failed: ${describeFailure(err)}`);
  } finally {
    if (!isolate.isDisposed) isolate.dispose();
  }
}

function describeFailure(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (/timed out/i.test(message)) return `it did not finish within ${CONFIG_ISOLATE_LIMITS.timeoutMs} ms`;
  if (/memory limit/i.test(message)) return `it used more than ${CONFIG_ISOLATE_LIMITS.memoryMb} MB`;
  return message;
}
