/**
 * Builds the containers' init (init/main.go) into a static binary with the host's Go, once
 * per source: the output is cached under the state dir, named by the sha256 of the sources.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, readdir, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);

export const INIT_SOURCE_DIR = join(dirname(fileURLToPath(import.meta.url)), "init");

/** Debian installs Go versions side by side; PATH may not hold any. */
const GO_CANDIDATES = ["/usr/local/go/bin/go", "/usr/lib/go/bin/go", "/usr/lib/go-1.23/bin/go", "/usr/bin/go"];

export function findGo(): string | null {
  if (process.env.BUNBASE_GO) return process.env.BUNBASE_GO;
  for (const dir of (process.env.PATH ?? "").split(":")) {
    if (dir && existsSync(join(dir, "go"))) return join(dir, "go");
  }
  return GO_CANDIDATES.find((path) => existsSync(path)) ?? null;
}

async function sourceHash(): Promise<string> {
  const hash = createHash("sha256");
  for (const name of (await readdir(INIT_SOURCE_DIR)).sort()) {
    if (!name.endsWith(".go") && name !== "go.mod") continue;
    hash
      .update(name)
      .update("\0")
      .update(await readFile(join(INIT_SOURCE_DIR, name)))
      .update("\0");
  }
  return hash.digest("hex");
}

/** The path of the init binary for the current sources, building it if needed. */
export async function ensureInitBinary(dir: string): Promise<string> {
  const output = join(dir, `init-${(await sourceHash()).slice(0, 16)}`);
  if (existsSync(output)) return output;
  const go = findGo();
  if (go === null) throw new Error("cannot build the container init: no Go toolchain found (set BUNBASE_GO)");
  await mkdir(dir, { recursive: true });
  const partial = `${output}.${process.pid}.tmp`;
  const env = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: dir,
    GOCACHE: join(dir, "go-cache"),
    GOPATH: join(dir, "go-path"),
    CGO_ENABLED: "0",
    GOFLAGS: "-trimpath",
    GOPROXY: "off",
    GOTOOLCHAIN: "local",
  };
  try {
    await run(go, ["build", "-ldflags=-s -w", "-o", partial, "."], { cwd: INIT_SOURCE_DIR, env });
  } catch (error) {
    await rm(partial, { force: true });
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(`cannot build the container init with ${go}: ${stderr || (error as Error).message}`, {
      cause: error,
    });
  }
  await rename(partial, output);
  return output;
}
