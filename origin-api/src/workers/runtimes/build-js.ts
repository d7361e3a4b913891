/**
 * Node, Bun and Deno artifacts (placement origin): the user's files as uploaded, plus the
 * entry bundled with esbuild for the real runtime (Node built-ins external, `@bunbase/*`
 * resolved as for the edge). The bundle sits beside the entry file, so
 * `new URL("./data.txt", import.meta.url)` and cwd-relative paths (cwd is /code) both
 * find the files the function shipped with.
 */
import { writeFile } from "node:fs/promises";
import { dirname, join, posix, relative, resolve, sep } from "node:path";
import { build as esbuild, type BuildFailure, type OutputFile, type Plugin } from "esbuild";
import {
  findEntry,
  bunbaseModulesPlugin,
  formatMessage,
  nodeBuiltinsPlugin,
  toDiagnostics,
  type FunctionConfig,
} from "../../../../bundler/index.ts";
import {
  copySources,
  deployFailed,
  fileProblem,
  handlerName,
  writeManifest,
  type ArtifactBuild,
  type BuildArtifactOptions,
} from "./artifact.ts";
import type { JsRuntime } from "./runtime-status.ts";

/** Beside the entry file; the shim imports it (BUNBASE_ENTRY). */
const BUNDLE_NAME = ".bunbase-handler.mjs";

const TARGETS: Record<JsRuntime, string> = {
  nodejs18: "node18",
  nodejs20: "node20",
  nodejs22: "node22",
  bun: "esnext",
  deno: "esnext",
};

/**
 * Bundled CommonJS calls `require()` for Node built-ins and reads `__dirname`; an ES module
 * has neither, so the bundle provides them as globals (never as module-scope bindings,
 * which would clash with a user's own `const __dirname = ...`).
 */
const BANNER = [
  `import { createRequire as __bunbaseCreateRequire } from "node:module";`,
  `import { fileURLToPath as __bunbaseFileURLToPath } from "node:url";`,
  `globalThis.require ??= __bunbaseCreateRequire(import.meta.url);`,
  `globalThis.__filename ??= __bunbaseFileURLToPath(import.meta.url);`,
  `globalThis.__dirname ??= __bunbaseFileURLToPath(new URL(".", import.meta.url)).replace(/\\/$/, "");`,
].join("\n");

/** Imports the runtime itself provides: `bun:sqlite` for Bun; `npm:`, `jsr:`, URLs for Deno. */
function runtimeExternalsPlugin(runtime: JsRuntime): Plugin {
  const filter = runtime === "bun" ? /^bun(:.*)?$/ : runtime === "deno" ? /^(npm:|jsr:|https?:)/ : /^$/;
  return {
    name: "bunbase-runtime-externals",
    setup(build) {
      build.onResolve({ filter }, (args) => ({ path: args.path, external: true }));
    },
  };
}

function isBuildFailure(err: unknown): err is BuildFailure {
  return err instanceof Error && Array.isArray((err as Partial<BuildFailure>).errors);
}

async function bundle(runtime: JsRuntime, srcDir: string, entry: string, outFile: string) {
  try {
    return await esbuild({
      absWorkingDir: srcDir,
      entryPoints: [`./${entry}`],
      outfile: outFile,
      bundle: true,
      format: "esm",
      platform: "node",
      target: TARGETS[runtime],
      conditions: runtime === "bun" || runtime === "deno" ? [runtime] : [],
      banner: { js: BANNER },
      sourcemap: "linked",
      sourcesContent: false,
      write: false,
      metafile: true,
      logLevel: "silent",
      nodePaths: [],
      plugins: [bunbaseModulesPlugin(), nodeBuiltinsPlugin(false), runtimeExternalsPlugin(runtime)],
    });
  } catch (err) {
    if (!isBuildFailure(err)) throw err;
    const first = err.errors[0];
    throw deployFailed(`Build failed: ${first ? formatMessage(first) : err.message}`, toDiagnostics(err.errors));
  }
}

/** The handler export: the one the config names, else `default`, else `handler` (as for the edge). */
function pickExport(exports: string[], entry: string, wanted: string | undefined): string {
  const found = (wanted === undefined ? ["default", "handler"] : [wanted]).find((name) => exports.includes(name));
  if (found !== undefined) return found;
  const has = exports.length ? `it exports: ${exports.join(", ")}` : "it has no exports";
  throw fileProblem(
    entry,
    wanted === undefined
      ? `${entry} has neither a default export nor a "handler" export (${has})`
      : `${entry} has no export named "${wanted}" (${has})`,
  );
}

function checkTriggerHandlers(config: FunctionConfig, exports: string[], entry: string): void {
  for (const [i, trigger] of config.triggers.entries()) {
    if (trigger.handler === undefined) continue;
    const name = handlerName(trigger.handler);
    if (!exports.includes(name))
      throw fileProblem(entry, `triggers[${i}].handler: ${entry} has no export named "${name}"`);
  }
}

/**
 * Writes the bundle and its map. The map's sources point at the copies in `outDir` (the
 * same relative place as in `srcDir`), so stack traces name /code/<file> in the container.
 */
async function writeOutputs(files: OutputFile[], srcDir: string, outDir: string): Promise<void> {
  for (const file of files) {
    if (!file.path.endsWith(".map")) {
      await writeFile(file.path, file.contents);
      continue;
    }
    const map = JSON.parse(file.text) as { sources: string[] };
    const from = dirname(file.path);
    map.sources = map.sources.map((source) => {
      if (source.includes(":")) return source; // bunbase:@bunbase/... virtual modules
      const inSrc = relative(srcDir, resolve(from, source));
      return inSrc.startsWith("..") ? source : relative(from, join(outDir, inSrc)).split(sep).join("/");
    });
    await writeFile(file.path, JSON.stringify(map));
  }
}

export async function buildJs(runtime: JsRuntime, options: BuildArtifactOptions): Promise<ArtifactBuild> {
  const { srcDir, outDir, config } = options;
  const dot = config.handler?.lastIndexOf(".") ?? -1;
  const file = config.handler === undefined ? "index" : config.handler.slice(0, dot);
  const wanted = config.handler === undefined ? undefined : config.handler.slice(dot + 1);
  const entry = await findEntry(srcDir, file);

  await copySources(srcDir, outDir, ["node_modules"]);
  const bundleFile = posix.join(posix.dirname(entry), BUNDLE_NAME);
  const result = await bundle(runtime, srcDir, entry, join(outDir, bundleFile));
  const meta = Object.values(result.metafile?.outputs ?? {}).find((o) => o.entryPoint !== undefined);
  const exports = meta?.exports ?? [];
  const exportName = pickExport(exports, entry, wanted);
  checkTriggerHandlers(config, exports, entry);

  await writeOutputs(result.outputFiles ?? [], srcDir, outDir);
  await writeManifest(outDir, { runtime, handler: exportName, entry: bundleFile });
  return { warnings: result.warnings.map(formatMessage) };
}
