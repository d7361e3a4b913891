/**
 * The master key that encrypts secrets: `BUNBASE_MASTER_KEY` (32 bytes, base64), or
 * `<data dir>/master.key`, generated with mode 0600 on first start (contract section 1).
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { readIfExists, writePrivateFile } from "../../../core/index.ts";

export class MasterKeyError extends Error {
  override name = "MasterKeyError";
}

export function loadMasterKey(
  dataDir: string,
  fromEnv = process.env.BUNBASE_MASTER_KEY,
): { key: Buffer; source: string } {
  if (fromEnv !== undefined) return { key: decode(fromEnv, "BUNBASE_MASTER_KEY"), source: "BUNBASE_MASTER_KEY" };
  const path = join(dataDir, "master.key");
  const stored = readIfExists(path);
  if (stored !== undefined) return { key: decode(stored, path), source: path };
  const key = randomBytes(32);
  writePrivateFile(path, key.toString("base64") + "\n");
  return { key, source: path };
}

function decode(text: string, where: string): Buffer {
  const trimmed = text.trim();
  const key = /^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed) ? Buffer.from(trimmed, "base64") : Buffer.alloc(0);
  if (key.length !== 32) {
    throw new MasterKeyError(
      `${where} must be 32 bytes encoded as base64 (got ${key.length} bytes); generate one with: openssl rand -base64 32`,
    );
  }
  return key;
}
