/**
 * Bundles a function folder with esbuild into one ESM module for an isolate: web-platform
 * resolution (`workerd`/`browser` conditions), imports from the folder's own
 * `node_modules` only, `@bunbase/*` from our sdk, an external source map. The result is
 * deterministic: the same sources give the same bytes and `bundleHash` in any folder.
 */
import { createHash } from "node:crypto";
import { access } from "node:fs/promises";
import { join } from "node:path";
import { build as esbuild, type BuildFailure, type Message, type OutputFile } from "esbuild";
import { BunbaseError } from "../../core/index.ts";
import { isEdgeRunnable, EDGE_RUNTIMES, type FunctionConfig } from "./config-schema.ts";
import {
  bunbaseModulesPlugin,
  formatMessage,
  nodeBuiltinsPlugin,
  toDiagnostics,
  type Diagnostic,
} from "./esbuild-plugins.ts";

export interface BuildResult {
  code: string;
  map: string;
  /** `sha256:<hex>` of `code`. */
  bundleHash: string;
  sizeBytes: number;
  /** The entry's export that serves as the handler (`default`, `handler`, ...). */
  exportName: string;
  warnings: string[];
}

export interface BuildOptions {
  dir: string;
  config: FunctionConfig;
}

/** Larger bundles are refused: they cost every cold start and every edge node's disk. */
export const MAX_BUNDLE_BYTES = 10 * 1024 * 1024;

const ENTRY_EXTENSIONS = [".ts", ".tsx", ".mts", ".js", ".mjs", ".jsx"];
// The output file's name never reaches the code (the map is external and unlinked); it
// only anchors the map's relative `sources`.
const OUT_FILE = "bundle.js";

export function hashBundle(code: string): string {
  return `sha256:${createHash("sha256").update(code).digest("hex")}`;
}

function deployFailed(message: string, diagnostics: Diagnostic[]): BunbaseError {
  return new BunbaseError("FN_005", message, { details: { diagnostics } });
}

/** `index.handler` -> { file: "index", exportName: "handler" }; no handler: `index`, export picked later. */
export function splitHandler(handler: string | undefined): { file: string; exportName?: string } {
  if (handler === undefined) return { file: "index" };
  const dot = handler.lastIndexOf(".");
  return { file: handler.slice(0, dot), exportName: handler.slice(dot + 1) };
}

/** The entry file for `file` (a handler's file part): the first extension that exists, else FN_005. */
export async function findEntry(dir: string, file: string): Promise<string> {
  for (const ext of ENTRY_EXTENSIONS) {
    try {
      await access(join(dir, file + ext));
      return file + ext;
    } catch {
      // not this extension; try the next
    }
  }
  const tried = ENTRY_EXTENSIONS.map((ext) => file + ext).join(", ");
  throw deployFailed(`Build failed: entry file not found (tried ${tried})`, [
    { file: file + ".ts", line: 0, column: 0, message: `entry file not found; tried ${tried}` },
  ]);
}

function isBuildFailure(err: unknown): err is BuildFailure {
  return err instanceof Error && Array.isArray((err as Partial<BuildFailure>).errors);
}

async function runEsbuild(dir: string, entry: string, edge: boolean) {
  try {
    return await esbuild({
      absWorkingDir: dir,
      entryPoints: [`./${entry}`],
      outfile: join(dir, OUT_FILE),
      bundle: true,
      format: "esm",
      platform: "neutral",
      target: "es2022",
      mainFields: ["browser", "module", "main"],
      conditions: ["workerd", "worker", "browser", "import", "default"],
      resolveExtensions: [".ts", ".tsx", ".mts", ".js", ".mjs", ".jsx", ".cjs", ".json"],
      sourcemap: "external",
      sourcesContent: true,
      minify: false,
      write: false,
      metafile: true,
      logLevel: "silent",
      nodePaths: [],
      plugins: [bunbaseModulesPlugin(), nodeBuiltinsPlugin(edge)],
    });
  } catch (err) {
    if (!isBuildFailure(err)) throw err;
    const first = err.errors[0];
    throw deployFailed(`Build failed: ${first ? formatMessage(first) : err.message}`, toDiagnostics(err.errors));
  }
}

/** The handler export: the one the config names, else `default`, else `handler`. */
function pickExport(exports: string[], entry: string, wanted: string | undefined): string {
  const candidates = wanted === undefined ? ["default", "handler"] : [wanted];
  const found = candidates.find((name) => exports.includes(name));
  if (found !== undefined) return found;
  const has = exports.length ? `it exports: ${exports.join(", ")}` : "it has no exports";
  const message =
    wanted === undefined
      ? `${entry} has neither a default export nor a "handler" export (${has})`
      : `${entry} has no export named "${wanted}" (${has})`;
  throw deployFailed(`Build failed: ${message}`, [{ file: entry, line: 0, column: 0, message }]);
}

/** Triggers may name their own handler, but only as another export of the same entry file. */
function checkTriggerHandlers(config: FunctionConfig, entryFile: string, exports: string[], entry: string): void {
  for (const [i, trigger] of config.triggers.entries()) {
    if (trigger.handler === undefined) continue;
    const { file, exportName } = trigger.handler.includes(".")
      ? splitHandler(trigger.handler)
      : { file: entryFile, exportName: trigger.handler };
    const message =
      file !== entryFile
        ? `triggers[${i}].handler names file "${file}", but handlers must be exports of the entry ${entry}`
        : !exports.includes(exportName!)
          ? `triggers[${i}].handler: ${entry} has no export named "${exportName}"`
          : undefined;
    if (message) throw deployFailed(`Build failed: ${message}`, [{ file: entry, line: 0, column: 0, message }]);
  }
}

function outputNamed(files: OutputFile[], suffix: string): OutputFile {
  const file = files.find((f) => f.path.endsWith(suffix));
  if (!file) throw new Error(`esbuild produced no ${suffix}`);
  return file;
}

/** Builds the function in `dir` (its sources and `node_modules`) for the given config. */
export async function buildFunction({ dir, config }: BuildOptions): Promise<BuildResult> {
  if (!EDGE_RUNTIMES.includes(config.runtime)) {
    throw deployFailed(
      `Runtime ${config.runtime} is built by the origin's workers, not the isolate bundler (docs/runtimes.md)`,
      [],
    );
  }
  const { file, exportName: wanted } = splitHandler(config.handler);
  const entry = await findEntry(dir, file);
  const result = await runEsbuild(dir, entry, isEdgeRunnable(config));

  const outputs = result.outputFiles ?? [];
  const code = outputNamed(outputs, OUT_FILE).text;
  const map = outputNamed(outputs, `${OUT_FILE}.map`).text;
  const sizeBytes = Buffer.byteLength(code);
  if (sizeBytes > MAX_BUNDLE_BYTES) {
    const message = `bundle is ${sizeBytes} bytes, over the ${MAX_BUNDLE_BYTES}-byte limit`;
    throw deployFailed(`Build failed: ${message}`, [{ file: entry, line: 0, column: 0, message }]);
  }

  const meta = Object.values(result.metafile?.outputs ?? {}).find((o) => o.entryPoint !== undefined);
  const exports = meta?.exports ?? [];
  const exportName = pickExport(exports, entry, wanted);
  checkTriggerHandlers(config, file, exports, entry);

  return {
    code,
    map,
    bundleHash: hashBundle(code),
    sizeBytes,
    exportName,
    warnings: result.warnings.map((w: Message) => formatMessage(w)),
  };
}
