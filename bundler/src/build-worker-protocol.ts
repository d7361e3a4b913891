/** Messages between `BuildWorkerClient` (API process) and `build-worker.ts` (child), over Node IPC. */
import type { ErrorCode } from "../../core/index.ts";
import type { BuildResult } from "./build.ts";
import type { FunctionConfig } from "./config-schema.ts";

export interface BuildRequest {
  id: number;
  dir: string;
  storedConfig?: FunctionConfig;
}

export interface WorkerBuildOutput {
  config: FunctionConfig;
  /** True when the upload's `function.config.*` replaced the stored config. */
  configFromUpload: boolean;
  /** The isolate bundle; null for a function that runs in origin workers (built by the origin). */
  build: BuildResult | null;
  /** "origin": placement "auto" resolved to the origin (the code imports Node built-ins). */
  placement?: "origin";
}

export type BuildReply =
  | { id: number; ok: true; output: WorkerBuildOutput }
  | { id: number; ok: false; error: { code: ErrorCode; message: string; details?: Record<string, unknown> } };
