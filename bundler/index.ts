/**
 * bundler: function.config loading and validation, esbuild bundling with the virtual
 * `@bunbase/*` modules, content hashing, deploy upload extraction, and the build worker
 * the origin API builds through. Imports core and sdk only.
 */

/** The config schema: `parseFunctionConfig(raw)` -> `FunctionConfig` or FN_006 with `details.path`. */
export {
  parseFunctionConfig,
  isEdgeRunnable,
  formatPath,
  EDGE_RUNTIMES,
  RUNTIMES,
  type FunctionConfig,
  type FunctionConfigInput,
  type Runtime,
  type ConfigIssue,
} from "./src/config-schema.ts";
/** Trigger and edge-block types of a parsed config. */
export { HTTP_METHODS, type Trigger, type TriggerType, type HttpTrigger } from "./src/trigger-schema.ts";
export type { EdgeConfig } from "./src/edge-schema.ts";
/** Value helpers: route conflict keys, `${secrets.NAME}` references, `"1m"` windows. */
export { httpRouteKey, findSecretRefs, durationToMs } from "./src/value-checks.ts";
/** `loadConfigFile(dir)`: a folder's `function.config.*`, TS/JS evaluated in a throwaway isolate. */
export { loadConfigFile, CONFIG_FILES, type LoadedConfigFile } from "./src/config-loader.ts";
/** `buildFunction({dir, config})`: the deterministic ESM bundle, its map, hash and handler export. */
export {
  buildFunction,
  findEntry,
  hashBundle,
  MAX_BUNDLE_BYTES,
  type BuildResult,
  type BuildOptions,
} from "./src/build.ts";
/** The esbuild diagnostic shape of FN_005 `details.diagnostics`, and the plugins origin JS builds share. */
export type { Diagnostic } from "./src/esbuild-plugins.ts";
export {
  bunbaseModulesPlugin,
  nodeBuiltinsPlugin,
  toDiagnostics,
  formatMessage,
  needsNodeBuiltins,
} from "./src/esbuild-plugins.ts";
/** Deploy uploads into an empty folder: a files map, a tarball, a git repository. */
export { writeFiles, extractTarball, MAX_EXTRACTED_BYTES } from "./src/upload.ts";
export { MAX_UPLOAD_FILES } from "./src/upload-paths.ts";
export { cloneGit, type GitSource } from "./src/git-clone.ts";
/** Config + build in one step (what the build worker runs). */
export { buildUpload } from "./src/build-pipeline.ts";
/** The origin API's handle on its build worker child process. */
export { BuildWorkerClient, type BuildWorkerOptions } from "./src/build-worker-client.ts";
export type { WorkerBuildOutput } from "./src/build-worker-protocol.ts";
