/**
 * How a runtime artifact starts: the host's root, the code at /code, our shims at
 * /opt/bunbase/shim, Python's `bunbase` SDK package at /opt/bunbase/python (on PYTHONPATH)
 * and, for Node/Bun/Deno, the runtime's binary folder at /opt/bunbase/runtime. Every
 * runtime speaks the SDK relay protocol (`sdk: true`, ../types.ts). The same spec runs as
 * a plain host process (plain-process.ts).
 */
import { basename } from "node:path";
import { fileURLToPath } from "node:url";
import type { Runtime } from "../../../../bundler/index.ts";
import { CONTAINER_PORT, type BindMount, type LaunchSpec } from "../types.ts";
import { readManifest, type ArtifactManifest } from "./artifact.ts";
import {
  isJsRuntime,
  isPythonRuntime,
  jsRuntimeBinary,
  jsRuntimeDir,
  pythonBinary,
  type JsRuntime,
} from "./runtime-status.ts";

/** The shim files (shim.py, shim.mjs): mounted read-only into every runtime container. */
export const SHIM_DIR = fileURLToPath(new URL("./shim", import.meta.url));
export const CODE_MOUNT = "/code";
export const SHIM_MOUNT = "/opt/bunbase/shim";
export const RUNTIME_MOUNT = "/opt/bunbase/runtime";
/** The Python client of @bunbase/sdk (`from bunbase import db`), stdlib only. */
export const PYTHON_SDK_DIR = fileURLToPath(new URL("./sdk/python", import.meta.url));
export const PYTHON_SDK_MOUNT = "/opt/bunbase/python";

export interface LaunchSpecOptions {
  runtime: Runtime;
  /** The artifact folder buildArtifact() filled. */
  codeDir: string;
}

/** The variables every runtime gets; the pool merges the function's own on top. */
function baseEnv(runtime: Runtime, manifest: ArtifactManifest): Record<string, string> {
  return {
    PORT: String(CONTAINER_PORT),
    HOME: "/tmp",
    TMPDIR: "/tmp",
    PATH: "/usr/local/bin:/usr/bin:/bin",
    LANG: "C.UTF-8",
    BUNBASE_RUNTIME: runtime,
    BUNBASE_HANDLER: manifest.handler,
    BUNBASE_CODE_DIR: CODE_MOUNT,
  };
}

type Command = { argv: string[]; env: Record<string, string> };

function jsCommand(runtime: JsRuntime, manifest: ArtifactManifest): Command {
  const binary = `${RUNTIME_MOUNT}/${basename(jsRuntimeBinary(runtime))}`;
  const shim = `${SHIM_MOUNT}/shim.mjs`;
  const env = { BUNBASE_ENTRY: `${CODE_MOUNT}/${manifest.entry}`, NODE_ENV: "production", NO_COLOR: "1" };
  if (runtime === "bun") {
    return {
      argv: [binary, "--no-install", shim],
      env: { ...env, BUN_INSTALL_CACHE_DIR: "/tmp/.bun-cache", BUN_RUNTIME_TRANSPILER_CACHE_PATH: "0" },
    };
  }
  if (runtime === "deno") {
    // The container is the sandbox: Deno gets what a Node process has, minus subprocesses and FFI.
    const allow = ["--allow-net", "--allow-read", "--allow-env", "--allow-sys", "--allow-write=/tmp"];
    return {
      argv: [binary, "run", ...allow, "--no-prompt", "--no-config", "--no-lock", shim],
      env: { ...env, DENO_DIR: "/tmp/.deno", DENO_NO_UPDATE_CHECK: "1" },
    };
  }
  return { argv: [binary, "--enable-source-maps", shim], env };
}

function command(runtime: Runtime, manifest: ArtifactManifest): Command {
  if (isPythonRuntime(runtime)) {
    return {
      argv: [pythonBinary(runtime), "-B", "-s", `${SHIM_MOUNT}/shim.py`],
      env: {
        PYTHONDONTWRITEBYTECODE: "1",
        PYTHONUNBUFFERED: "1",
        PYTHONIOENCODING: "utf-8",
        PYTHONPATH: PYTHON_SDK_MOUNT,
      },
    };
  }
  if (runtime === "go1.x") return { argv: [`${CODE_MOUNT}/${manifest.entry}`], env: {} };
  if (isJsRuntime(runtime)) return jsCommand(runtime, manifest);
  throw new Error(`runtime ${runtime} has no launch spec here (container images come from image/)`);
}

/** The LaunchSpec of a built artifact (reads its `.bunbase/artifact.json`). */
export function launchSpec({ runtime, codeDir }: LaunchSpecOptions): LaunchSpec {
  const manifest = readManifest(codeDir);
  if (manifest.runtime !== runtime) {
    throw new Error(`artifact ${codeDir} was built for ${manifest.runtime}, not ${runtime}`);
  }
  const mounts: BindMount[] = [
    { source: codeDir, destination: CODE_MOUNT, readonly: true },
    { source: SHIM_DIR, destination: SHIM_MOUNT, readonly: true },
  ];
  if (isJsRuntime(runtime)) mounts.push({ source: jsRuntimeDir(runtime), destination: RUNTIME_MOUNT, readonly: true });
  if (isPythonRuntime(runtime)) mounts.push({ source: PYTHON_SDK_DIR, destination: PYTHON_SDK_MOUNT, readonly: true });
  const { argv, env } = command(runtime, manifest);
  const base = baseEnv(runtime, manifest);
  return { rootfs: { kind: "host" }, mounts, argv, env: { ...base, ...env }, cwd: CODE_MOUNT, sdk: true };
}
