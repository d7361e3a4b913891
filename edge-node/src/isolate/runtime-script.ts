/**
 * The guest runtime as one script: `runtime.guest.ts` and its polyfills bundled by
 * esbuild once per process, then compiled in every new isolate. V8 code cache for it is
 * produced by the first isolate and reused by the next ones (our own data only, never
 * a guest's).
 */
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import ivm from "isolated-vm";
import { installChunks } from "./runtime-chunks.ts";

/** The name runtime frames carry in stacks; source-map.ts drops them from user stacks. */
export const RUNTIME_FILENAME = "bunbase:runtime";

const entry = fileURLToPath(new URL("./runtime.guest.ts", import.meta.url));

let bundled: Promise<string> | null = null;
// Kept as plain host bytes: a long-lived ExternalCopy would be finalized at process exit,
// outside any isolate environment, which isolated-vm does not survive reliably.
let codeCache: ArrayBuffer | null = null;

export function bundleRuntime(): Promise<string> {
  bundled ??= build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    platform: "neutral",
    format: "iife",
    target: "es2022",
    mainFields: ["browser", "module", "main"],
    // core-js looks for `self` while it loads.
    banner: { js: "globalThis.self = globalThis;" },
    minify: true,
    legalComments: "none",
    logLevel: "silent",
  }).then((result) => result.outputFiles[0].text);
  return bundled;
}

/** Compiles and runs the runtime in `context` (the bridge globals must already be set), its lazy chunks left for it. */
export async function evaluateRuntime(isolate: ivm.Isolate, context: ivm.Context): Promise<void> {
  const code = await bundleRuntime();
  const cachedData = codeCache === null ? null : new ivm.ExternalCopy(codeCache);
  const script: ivm.Script & ivm.CachedDataResult = await isolate.compileScript(code, {
    filename: RUNTIME_FILENAME,
    ...(cachedData === null ? { produceCachedData: true } : { cachedData }),
  });
  cachedData?.release();
  if (codeCache === null && script.cachedData !== undefined) {
    codeCache = script.cachedData.copy();
    script.cachedData.release();
  }
  await installChunks(context);
  await script.run(context, { release: true });
}
