import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

/** `BUNBASE_DATA_DIR`, default `./.bunbase` (contract section 1). */
export function dataDir(): string {
  const dir = resolve(process.env.BUNBASE_DATA_DIR ?? ".bunbase");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

export function dataPath(...parts: string[]): string {
  return join(dataDir(), ...parts);
}

/** Writes a file readable by its owner only (keys live in the data dir with mode 0600). */
export function writePrivateFile(path: string, content: string): void {
  writeFileSync(path, content, { mode: 0o600 });
  chmodSync(path, 0o600);
}

export function readIfExists(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, "utf8").trim() : undefined;
}
