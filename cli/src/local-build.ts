/**
 * Loading and building a function folder on this machine, as `deploy`, `dev` and `test`
 * do before anything reaches a server. The bundler is imported lazily: commands that only
 * talk to the API start faster without esbuild.
 */
import { readdir } from "node:fs/promises";
import { basename, join } from "node:path";
import type { FunctionConfig } from "../../bundler/index.ts";

export type BuildOutput = Awaited<ReturnType<typeof import("../../bundler/index.ts").buildFunction>>;

export interface LoadedFunction {
  config: FunctionConfig;
  /** The config file found, or undefined when the folder has none (defaults apply). */
  configFile?: string;
  build: BuildOutput;
}

/**
 * Loads `function.config.*` (defaults when absent), validates it with `name` set, and
 * bundles. Without `name`: the config's own name, else one made from the folder's.
 */
export async function loadFunction(dir: string, name?: string): Promise<LoadedFunction> {
  const { config, configFile } = await loadConfig(dir, name);
  const { buildFunction } = await import("../../bundler/index.ts");
  const build = await buildFunction({ dir, config });
  return { config, configFile, build };
}

export async function loadConfig(dir: string, name?: string): Promise<{ config: FunctionConfig; configFile?: string }> {
  const { loadConfigFile, parseFunctionConfig } = await import("../../bundler/index.ts");
  const loaded = await loadConfigFile(dir);
  const raw = loaded?.raw ?? {};
  const isObject = raw !== null && typeof raw === "object" && !Array.isArray(raw);
  const own = isObject ? (raw as { name?: unknown }).name : undefined;
  const chosen = name ?? (typeof own === "string" ? own : nameForDir(dir));
  const withName = isObject ? { ...(raw as object), name: chosen } : raw;
  return { config: parseFunctionConfig(withName), configFile: loaded?.file };
}

/** The folders under `dir` that hold a function: `dir` itself if it has a config, else its children that do. */
export async function findFunctionDirs(dir: string): Promise<string[]> {
  const hasConfig = async (d: string) => (await readdir(d)).some((f) => /^function\.config\.(ts|js|json)$/.test(f));
  if (await hasConfig(dir)) return [dir];
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith(".") || entry.name === "node_modules") continue;
    if (await hasConfig(join(dir, entry.name))) found.push(join(dir, entry.name));
  }
  return found.sort();
}

/** A function name for a folder: its own name when valid, made valid otherwise. */
export function nameForDir(dir: string): string {
  const cleaned = basename(dir)
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^[^a-z]+/, "")
    .slice(0, 63)
    .replace(/-+$/, "");
  return cleaned || "local";
}
