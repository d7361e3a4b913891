/**
 * The artifact of an origin-worker version: the folder mounted read-only at /code. Each
 * runtime's builder fills it; `.bunbase/artifact.json` records what the launch spec needs
 * (the handler, the entry) so a spec can be made from the folder alone.
 */
import { cp, mkdir, readdir, writeFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { BunbaseError } from "../../../../core/index.ts";
import type { Diagnostic, FunctionConfig, Runtime } from "../../../../bundler/index.ts";

export interface ArtifactManifest {
  runtime: Runtime;
  /** The default handler: `main.handler` (Python), `Handler` (Go), an export name (JS). */
  handler: string;
  /** The file the process starts from, relative to the artifact root (JS bundle, Go binary). */
  entry?: string;
}

export interface BuildArtifactOptions {
  runtime: Runtime;
  /** The uploaded function folder; never modified. */
  srcDir: string;
  /** An empty (or missing) folder that becomes /code. */
  outDir: string;
  config: FunctionConfig;
}

export interface ArtifactBuild {
  warnings: string[];
}

const MANIFEST = join(".bunbase", "artifact.json");
/** Never shipped: VCS data and the build's own folder. */
const SKIPPED = new Set([".git", ".bunbase"]);

export function deployFailed(message: string, diagnostics: Diagnostic[] = []): BunbaseError {
  return new BunbaseError("FN_005", message, { details: { diagnostics } });
}

/** A diagnostic about the folder as a whole (a missing file, a bad handler name). */
export function fileProblem(file: string, message: string): BunbaseError {
  return deployFailed(`Build failed: ${message}`, [{ file, line: 0, column: 0, message }]);
}

/** Copies the function folder, minus `skip` top-level names (besides .git and .bunbase). */
export async function copySources(srcDir: string, outDir: string, skip: readonly string[] = []): Promise<void> {
  await mkdir(outDir, { recursive: true });
  for (const entry of await readdir(srcDir, { withFileTypes: true })) {
    if (SKIPPED.has(entry.name) || skip.includes(entry.name)) continue;
    await cp(join(srcDir, entry.name), join(outDir, entry.name), { recursive: true, verbatimSymlinks: true });
  }
}

export async function writeManifest(outDir: string, manifest: ArtifactManifest): Promise<void> {
  await mkdir(join(outDir, ".bunbase"), { recursive: true });
  await writeFile(join(outDir, MANIFEST), JSON.stringify(manifest, null, 2) + "\n");
}

export function readManifest(codeDir: string): ArtifactManifest {
  return JSON.parse(readFileSync(join(codeDir, MANIFEST), "utf8")) as ArtifactManifest;
}

/** A trigger's own handler: `file.name` or a bare `name`; the export or function part. */
export function handlerName(ref: string): string {
  return ref.slice(ref.lastIndexOf(".") + 1);
}
