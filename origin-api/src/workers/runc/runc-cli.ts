/** The runc binary and the few short-lived commands we run with it (list, kill, delete). */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

const RUNC_CANDIDATES = ["/usr/sbin/runc", "/usr/bin/runc", "/usr/local/sbin/runc", "/usr/local/bin/runc"];

export function findRunc(): string | null {
  if (process.env.BUNBASE_RUNC) return process.env.BUNBASE_RUNC;
  for (const dir of (process.env.PATH ?? "").split(":")) {
    if (dir && existsSync(join(dir, "runc"))) return join(dir, "runc");
  }
  return RUNC_CANDIDATES.find((path) => existsSync(path)) ?? null;
}

export class RuncCli {
  readonly binary: string;
  /** runc's `--root`: its state folder, one subfolder per container. */
  readonly root: string;

  constructor(binary: string, root: string) {
    this.binary = binary;
    this.root = root;
  }

  /** The arguments of `runc run` for a bundle; fd 3 of runc becomes fd 3 of init. */
  runArgs(id: string, bundle: string): string[] {
    return ["--root", this.root, "run", "--bundle", bundle, "--no-new-keyring", "--preserve-fds", "1", id];
  }

  async list(): Promise<string[]> {
    const { stdout } = await run(this.binary, ["--root", this.root, "list", "--quiet"]);
    return stdout.split("\n").filter(Boolean);
  }

  async kill(id: string, signal: string): Promise<void> {
    await run(this.binary, ["--root", this.root, "kill", id, signal]);
  }

  async forceDelete(id: string): Promise<void> {
    await run(this.binary, ["--root", this.root, "delete", "--force", id]);
  }

  hasState(id: string): boolean {
    return existsSync(join(this.root, id));
  }
}
