import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";

/** The repository root (this file is core/src/spawn.ts). */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/**
 * Node flags for any process that may load isolated-vm and runs our TypeScript, plus
 * `BUNBASE_NODE_FLAGS` (space-separated, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to
 * profile the children: Node refuses such flags in NODE_OPTIONS).
 */
export function nodeArgs(): string[] {
  const extra = (process.env.BUNBASE_NODE_FLAGS ?? "").split(" ").filter(Boolean);
  return ["--no-node-snapshot", "--import", import.meta.resolve("tsx"), ...extra];
}

/** Spawns `node <flags> <entry.ts> ...args`. */
export function spawnNode(entry: string, args: string[], options: SpawnOptions = {}): ChildProcess {
  return spawn(process.execPath, [...nodeArgs(), entry, ...args], options);
}

/**
 * Resolves with the `url` of the first pino line whose msg is "listening" on the child's
 * stdout (every process logs one when it starts listening); rejects if the child exits
 * first or the timeout passes. Lines are passed to `onLine` as they come.
 */
export function waitForListening(
  child: ChildProcess,
  timeoutMs = 30_000,
  onLine?: (line: string) => void,
): Promise<string> {
  return new Promise((resolve, reject) => {
    if (!child.stdout) return reject(new Error("child has no piped stdout"));
    const lines = createInterface({ input: child.stdout });
    let settled = false;
    const timer = setTimeout(() => finish(new Error(`no "listening" line within ${timeoutMs} ms`)), timeoutMs);
    const finish = (err: Error | null, url?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.off("exit", onExit);
      if (err) reject(err);
      else resolve(url!);
    };
    const onExit = (code: number | null, signal: string | null) =>
      finish(new Error(`process exited (code ${code}, signal ${signal}) before listening`));
    child.on("exit", onExit);
    lines.on("line", (line) => {
      onLine?.(line);
      if (settled || !line.includes('"listening"')) return;
      try {
        const record = JSON.parse(line) as { msg?: string; url?: string };
        if (record.msg === "listening" && record.url) finish(null, record.url);
      } catch {
        // a non-JSON line that happens to contain the word: not ours, keep reading
      }
    });
  });
}
