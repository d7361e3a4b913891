/**
 * The build worker: a child of the origin API that evaluates configs (in throwaway
 * isolates) and runs esbuild, so neither happens in the process holding the store and the
 * master key. Speaks build-worker-protocol.ts over Node IPC; exits with its parent.
 */
import { toBunbaseError } from "../core/index.ts";
import { buildUpload } from "./src/build-pipeline.ts";
import type { BuildReply, BuildRequest } from "./src/build-worker-protocol.ts";

if (!process.send) {
  console.error("build-worker.ts must be started with an IPC channel");
  process.exit(2);
}

async function handle(request: BuildRequest): Promise<BuildReply> {
  try {
    return { id: request.id, ok: true, output: await buildUpload(request.dir, request.storedConfig) };
  } catch (err) {
    const error = toBunbaseError(err);
    // Our own bugs surface as a deploy failure with the real reason: the API only logs it.
    const message = error.code === "FN_004" ? `Build failed: ${String((err as Error).message ?? err)}` : error.message;
    const code = error.code === "FN_004" ? "FN_005" : error.code;
    return { id: request.id, ok: false, error: { code, message, details: error.details } };
  }
}

process.on("message", (request: BuildRequest) => {
  void handle(request).then((reply) => process.send?.(reply));
});
process.on("disconnect", () => process.exit(0));
