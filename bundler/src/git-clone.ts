/**
 * Deploys from git (contract 2.1 `{"git": {"url","ref"?,"path"?}}`): a shallow clone with
 * the system `git`, then the chosen subfolder copied into the build folder.
 */
import { spawn } from "node:child_process";
import { cp, mkdtemp, realpath, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, sep } from "node:path";
import { BunbaseError, invalid } from "../../core/index.ts";
import { unsafePathReason } from "./upload-paths.ts";

export interface GitSource {
  url: string;
  ref?: string;
  path?: string;
}

export const GIT_TIMEOUT_MS = 60_000;

const SCP_LIKE = /^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[A-Za-z0-9._~/-]+$/;

/** Only transports that cannot run commands: no `ext::`, no `--upload-pack` tricks. */
function checkUrl(url: string): "file" | "remote" {
  if (url.startsWith("file://")) return "file";
  if (/^(https|ssh):\/\/[^\s]+$/.test(url) || SCP_LIKE.test(url)) return "remote";
  throw invalid("git.url", "must be a file://, https://, ssh:// or user@host:path URL");
}

function runGit(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("git", args, {
      stdio: ["ignore", "ignore", "pipe"],
      timeout: GIT_TIMEOUT_MS,
      // Never wait for a password prompt: a deploy is not interactive.
      env: { ...process.env, GIT_TERMINAL_PROMPT: "0", GIT_SSH_COMMAND: "ssh -o BatchMode=yes" },
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      if (stderr.length < 4000) stderr += chunk.toString();
    });
    child.on("error", (err) => reject(new BunbaseError("FN_005", `git could not run: ${err.message}`)));
    child.on("close", (code, signal) => {
      if (code === 0) return resolve();
      const why = signal ? `git was stopped (${signal})` : stderr.trim() || `git exited with ${code}`;
      reject(new BunbaseError("FN_005", `git clone failed: ${why}`, { details: { stderr: stderr.trim() } }));
    });
  });
}

/**
 * Clones `url` at `ref` and copies its `path` subfolder (default: the root) into `dir`,
 * without `.git`. Returns the folder to build: `dir` itself.
 */
export async function cloneGit(source: GitSource, dir: string): Promise<string> {
  const transport = checkUrl(source.url);
  if (source.ref !== undefined && !/^[A-Za-z0-9._/][A-Za-z0-9._/-]{0,254}$/.test(source.ref)) {
    throw invalid("git.ref", "must be a branch or tag name");
  }
  const sub = (source.path ?? "").replace(/^\/+|\/+$/g, "");
  if (sub !== "" && unsafePathReason(sub)) throw invalid("git.path", unsafePathReason(sub)!);

  const checkout = await mkdtemp(join(tmpdir(), "bunbase-git-"));
  try {
    const config = transport === "file" ? ["-c", "protocol.file.allow=always"] : [];
    const branch = source.ref ? ["--branch", source.ref] : [];
    await runGit([...config, "clone", "--depth", "1", "--no-tags", ...branch, "--", source.url, checkout]);
    const root = await realpath(checkout);
    const from = await realpath(join(checkout, sub)).catch(() => undefined);
    // A symlinked subfolder could point anywhere on this machine.
    if (from === undefined || (from !== root && !from.startsWith(root + sep)) || !(await stat(from)).isDirectory()) {
      throw invalid("git.path", `"${sub}" is not a folder of the repository`);
    }
    await cp(from, dir, {
      recursive: true,
      verbatimSymlinks: true,
      filter: (src) => !src.split(sep).includes(".git"),
    });
    return dir;
  } finally {
    await rm(checkout, { recursive: true, force: true });
  }
}
