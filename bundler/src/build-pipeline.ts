/** One deploy build: config from the upload (or the stored one), then the bundle of an edge function. */
import { BunbaseError, invalid, isBunbaseError } from "../../core/index.ts";
import { buildFunction } from "./build.ts";
import { needsNodeBuiltins } from "./esbuild-plugins.ts";
import { loadConfigFile } from "./config-loader.ts";
import { isEdgeRunnable, parseFunctionConfig, type FunctionConfig } from "./config-schema.ts";
import type { WorkerBuildOutput } from "./build-worker-protocol.ts";

/**
 * A `function.config.*` in `dir` replaces `storedConfig` (keeping the stored `name`: a
 * function cannot rename itself by deploy); without one the stored config is used.
 */
export async function buildUpload(dir: string, storedConfig?: FunctionConfig): Promise<WorkerBuildOutput> {
  const loaded = await loadConfigFile(dir);
  let config: FunctionConfig;
  if (loaded) {
    const raw = loaded.raw;
    const named =
      storedConfig?.name !== undefined && raw !== null && typeof raw === "object" && !Array.isArray(raw)
        ? { ...raw, name: storedConfig.name }
        : raw;
    try {
      config = parseFunctionConfig(named);
    } catch (err) {
      if (!isBunbaseError(err)) throw err;
      throw new BunbaseError(err.code, `${loaded.file}: ${err.message}`, {
        details: { ...err.details, file: loaded.file },
      });
    }
  } else if (storedConfig) {
    config = storedConfig;
  } else {
    throw invalid("", "no function.config found in the upload and no stored config");
  }
  // Origin workers build their own artifact (origin-api/src/workers/runtimes/).
  const configFromUpload = loaded !== undefined;
  if (!isEdgeRunnable(config)) return { config, configFromUpload, build: null };
  try {
    return { config, configFromUpload, build: await buildFunction({ dir, config }) };
  } catch (err) {
    // placement "auto": code that needs Node built-ins runs with Node on the origin.
    if (config.placement === "auto" && needsNodeBuiltins(err)) {
      return { config, configFromUpload, build: null, placement: "origin" };
    }
    throw err;
  }
}
