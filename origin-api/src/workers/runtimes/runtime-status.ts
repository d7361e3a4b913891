/**
 * Which runtimes this machine can run, and where their binaries are. Python and Go come
 * from the system; Node, Bun and Deno from origin-api/runtimes/node_modules, which
 * scripts/setup-runtimes.mjs installs from its lockfile.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { REPO_ROOT } from "../../../../core/index.ts";
import type { Runtime } from "../../../../bundler/index.ts";

export type RuntimeStatus = { available: true; version: string } | { available: false; reason: string };

export type JsRuntime = "nodejs18" | "nodejs20" | "nodejs22" | "bun" | "deno";
export type PythonRuntime = "python3.10" | "python3.11" | "python3.12";

/** Where setup-runtimes.mjs installs the JS runtimes. */
export const RUNTIMES_MODULES = join(REPO_ROOT, "origin-api", "runtimes", "node_modules");

/** Each JS runtime's binary, relative to RUNTIMES_MODULES (keep in step with setup-runtimes.mjs). */
const JS_BINARIES: Record<JsRuntime, string> = {
  nodejs18: "node18/bin/node",
  nodejs20: "node20/bin/node",
  nodejs22: "node22/bin/node",
  bun: "bun/bin/bun.exe",
  deno: "deno/deno",
};

const GO_CANDIDATES = ["/usr/lib/go-1.23/bin/go", "/usr/local/go/bin/go"];

export function isJsRuntime(runtime: Runtime): runtime is JsRuntime {
  return runtime in JS_BINARIES;
}

export function isPythonRuntime(runtime: Runtime): runtime is PythonRuntime {
  return runtime.startsWith("python");
}

/** Absolute host path of a JS runtime's binary (which may not exist). */
export function jsRuntimeBinary(runtime: JsRuntime): string {
  return join(RUNTIMES_MODULES, JS_BINARIES[runtime]);
}

/** `/usr/bin/python3.11` for `python3.11`: the Debian interpreter, mounted with the host's /usr. */
export function pythonBinary(runtime: PythonRuntime): string {
  return `/usr/bin/${runtime}`;
}

/** The Go toolchain: `BUNBASE_GO`, else a known install, else `go` on PATH; undefined when none. */
export function goBinary(): string | undefined {
  const override = process.env.BUNBASE_GO;
  if (override) return override;
  const onPath = (process.env.PATH ?? "").split(delimiter).map((dir) => join(dir, "go"));
  return [...GO_CANDIDATES, ...onPath].find((file) => existsSync(file));
}

/** Runs `binary args` and returns its first output line, or the reason it failed. */
function probeVersion(binary: string, args: string[], env?: NodeJS.ProcessEnv): RuntimeStatus {
  const result = spawnSync(binary, args, { encoding: "utf8", timeout: 10_000, env });
  if (result.error) return { available: false, reason: `${binary} does not run: ${result.error.message}` };
  const output = `${result.stdout}${result.stderr}`.trim();
  if (result.status !== 0) return { available: false, reason: `${binary} ${args.join(" ")} failed: ${output}` };
  return { available: true, version: output.split("\n")[0] };
}

function probe(runtime: Runtime): RuntimeStatus {
  if (runtime === "container") return { available: true, version: "oci" };
  if (isPythonRuntime(runtime)) {
    const binary = pythonBinary(runtime);
    if (!existsSync(binary)) {
      return { available: false, reason: `${runtime} needs ${binary}, which this machine does not have` };
    }
    return probeVersion(binary, ["--version"]);
  }
  if (runtime === "go1.x") {
    const go = goBinary();
    if (go === undefined) {
      return {
        available: false,
        reason: `go1.x needs the Go toolchain: none at ${GO_CANDIDATES.join(", ")} or on PATH (set BUNBASE_GO)`,
      };
    }
    return probeVersion(go, ["version"], { ...process.env, GOTOOLCHAIN: "local" });
  }
  const binary = jsRuntimeBinary(runtime);
  if (!existsSync(binary)) {
    return {
      available: false,
      reason: `${runtime} needs ${binary}, which is not installed (run node scripts/setup-runtimes.mjs)`,
    };
  }
  return probeVersion(binary, ["--version"], { ...process.env, NO_COLOR: "1" });
}

const cache = new Map<Runtime, RuntimeStatus>();

/** Whether `runtime` can run here, with its version or the reason it cannot; cached per process. */
export function runtimeStatus(runtime: Runtime): RuntimeStatus {
  let status = cache.get(runtime);
  if (status === undefined) {
    status = probe(runtime);
    cache.set(runtime, status);
  }
  return status;
}

/** The folder holding a JS runtime's binary: mounted at /opt/bunbase/runtime in containers. */
export function jsRuntimeDir(runtime: JsRuntime): string {
  return dirname(jsRuntimeBinary(runtime));
}
