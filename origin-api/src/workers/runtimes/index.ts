/**
 * runtimes: what an origin worker runs for each language runtime. A function folder is
 * built into an artifact (the folder mounted read-only at /code), and a LaunchSpec starts
 * our shim for that runtime around it. README.md describes each runtime.
 */
export { runtimeStatus, type RuntimeStatus } from "./runtime-status.ts";
export { buildArtifact } from "./build-artifact.ts";
export type { ArtifactBuild, BuildArtifactOptions } from "./artifact.ts";
export { launchSpec, SHIM_DIR, type LaunchSpecOptions } from "./launch-spec.ts";
export { startPlainProcess, type PlainProcess, type PlainProcessOptions } from "./plain-process.ts";
