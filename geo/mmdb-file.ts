/**
 * Reading one MaxMind DB file into a checked `Reader`. A missing, unreadable or corrupt
 * file is FN_006 naming the setting, the file and what is wrong; never an exception from
 * deep inside the decoder at the first lookup.
 */
import { readFile, stat } from "node:fs/promises";
import { LRUCache } from "lru-cache";
import { Reader, type Response } from "maxmind";
import { BunbaseError, invalid } from "../core/src/errors.ts";

/** A database as loaded: its reader and what identifies the file it came from. */
export interface LoadedMmdb {
  file: string;
  reader: Reader<Response>;
  /** Device, inode, size and mtime of the file read: a reload skips an unchanged file. */
  signature: string;
  databaseType: string;
  buildEpoch: Date;
}

/** Decoded records kept per database; a reload starts a fresh cache with its reader. */
const DECODER_CACHE_ENTRIES = 10_000;

// Addresses looked up once at load: a database whose tree points outside its data fails
// here, at startup or reload, rather than on a client's request.
const PROBE_ADDRESSES = ["1.1.1.1", "81.2.69.142", "89.160.20.112", "216.160.83.56", "2001:218::1", "2a02:d040::1"];

const READ_ERRORS: Record<string, string> = {
  ENOENT: "does not exist",
  EACCES: "is not readable (permission denied)",
  EISDIR: "is a directory, not a .mmdb file",
  ENOTDIR: "has a path through something that is not a directory",
};

/** Identity of the file now at `file` (following symlinks), or the read error. */
export async function fileSignature(file: string): Promise<string> {
  const info = await stat(file);
  return `${info.dev}:${info.ino}:${info.size}:${info.mtimeMs}`;
}

/** Reads and checks the database at `file`; `setting` names where the path came from. */
export async function loadMmdb(file: string, setting: string): Promise<LoadedMmdb> {
  let signature: string;
  let bytes: Buffer;
  try {
    signature = await fileSignature(file);
    bytes = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "";
    const why = READ_ERRORS[code] ?? `cannot be read (${(err as Error).message})`;
    throw invalid(setting, `GeoIP database ${file} ${why}`, { file, reason: code || "read" });
  }
  return { ...checkMmdb(bytes, file, setting), signature };
}

/** Parses `bytes` as a MaxMind DB and checks that its search tree fits and can be walked. */
export function checkMmdb(bytes: Buffer, file: string, setting: string): Omit<LoadedMmdb, "signature"> {
  const corrupt = (what: string, reason: string, cause?: unknown): BunbaseError =>
    new BunbaseError("FN_006", `${setting}: GeoIP database ${file} ${what}`, {
      details: { path: setting, file, reason },
      cause,
    });
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    throw corrupt("is gzip-compressed: unpack the .mmdb file from the archive", "gzip");
  }
  let reader: LoadedMmdb["reader"];
  try {
    reader = new Reader(bytes, { cache: new LRUCache<string | number, object>({ max: DECODER_CACHE_ENTRIES }) });
  } catch (err) {
    throw corrupt(`is not a MaxMind DB (.mmdb) file: ${(err as Error).message}`, "format", err);
  }
  const meta = reader.metadata;
  if (meta.binaryFormatMajorVersion !== 2 || ![4, 6].includes(meta.ipVersion)) {
    const version = `format ${meta.binaryFormatMajorVersion}, IP version ${meta.ipVersion}`;
    throw corrupt(`is not a supported MaxMind DB (${version}; expected format 2, IP version 4 or 6)`, "format");
  }
  // 16 bytes of data-section separator follow the tree (MaxMind DB spec, "Data Section Separator").
  if (meta.searchTreeSize + 16 > bytes.length) {
    const tree = `${meta.nodeCount} nodes, ${meta.searchTreeSize} bytes`;
    throw corrupt(`is corrupt: its search tree (${tree}) is larger than the file (${bytes.length} bytes)`, "tree");
  }
  for (const address of PROBE_ADDRESSES) {
    if (meta.ipVersion === 4 && address.includes(":")) continue;
    try {
      reader.get(address);
    } catch (err) {
      throw corrupt(`is corrupt: looking up ${address} failed (${(err as Error).message})`, "data", err);
    }
  }
  return { file, reader, databaseType: meta.databaseType, buildEpoch: meta.buildEpoch };
}
