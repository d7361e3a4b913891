/**
 * Installs what the bench measures against, outside the platform's dependencies: the
 * peers into bench/node_modules (bench/package.json), wrk from Debian when we are root.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const BENCH_DIR = join(dirname(fileURLToPath(import.meta.url)), "..");

const PEER_BINARIES = ["workerd", "bun", "deno", "autocannon"];

export function hasCommand(name: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" }).status === 0;
}

/** Returns notes on what could not be installed (the run goes on without it). */
export function ensurePeers(log: (line: string) => void): string[] {
  const notes: string[] = [];
  const missing = PEER_BINARIES.filter((b) => !existsSync(join(BENCH_DIR, "node_modules", ".bin", b)));
  if (missing.length > 0) {
    log(`installing peers into bench/ (missing: ${missing.join(", ")})`);
    const res = spawnSync("npm", ["install", "--prefix", BENCH_DIR, "--no-audit", "--no-fund"], {
      stdio: ["ignore", "ignore", "inherit"],
      timeout: 300_000,
    });
    if (res.status !== 0) notes.push(`npm install --prefix bench failed (status ${res.status})`);
  }
  if (!hasCommand("wrk")) {
    if (process.getuid?.() === 0) {
      log("installing wrk (apt-get)");
      try {
        execFileSync("apt-get", ["install", "-y", "-qq", "wrk"], { stdio: "ignore", timeout: 300_000 });
      } catch {
        try {
          execFileSync("apt-get", ["update", "-qq"], { stdio: "ignore", timeout: 300_000 });
          execFileSync("apt-get", ["install", "-y", "-qq", "wrk"], { stdio: "ignore", timeout: 300_000 });
        } catch (err) {
          notes.push(`wrk could not be installed: ${(err as Error).message.split("\n")[0]}`);
        }
      }
    }
    if (!hasCommand("wrk")) notes.push("wrk not available: throughput measured with autocannon");
  }
  return notes;
}
