/** `buildArtifact()`: an uploaded function folder -> the folder mounted at /code, per runtime. */
import { deployFailed, type ArtifactBuild, type BuildArtifactOptions } from "./artifact.ts";
import { buildGo } from "./build-go.ts";
import { buildJs } from "./build-js.ts";
import { buildPython } from "./build-python.ts";
import { isJsRuntime, isPythonRuntime, runtimeStatus } from "./runtime-status.ts";

/**
 * Builds `srcDir` into `outDir` for `runtime`. A user mistake (syntax or compile error, a
 * missing handler) or a runtime this machine lacks is FN_005 with `details.diagnostics`.
 */
export async function buildArtifact(options: BuildArtifactOptions): Promise<ArtifactBuild> {
  const { runtime } = options;
  if (runtime === "container") throw new Error("container functions are built from an image, not by runtimes/");
  const status = runtimeStatus(runtime);
  if (!status.available) throw deployFailed(`Runtime ${runtime} is not available on this machine: ${status.reason}`);
  if (isPythonRuntime(runtime)) return buildPython(runtime, options);
  if (isJsRuntime(runtime)) return buildJs(runtime, options);
  return buildGo(options);
}
