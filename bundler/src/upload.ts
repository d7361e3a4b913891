/**
 * Materializes a deploy upload (contract 2.1) into an empty folder, refusing anything that
 * would write outside it: a files map from a JSON body, or a tarball. Git clones live in
 * git-clone.ts.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { Parser, extract, type ReadEntry } from "tar";
import { BunbaseError, invalid } from "../../core/index.ts";
import { MAX_UPLOAD_FILES, resolveLink, unsafePathReason } from "./upload-paths.ts";

/** A tarball may not unpack to more than this (a small gzip can hold a very large tar). */
export const MAX_EXTRACTED_BYTES = 100 * 1024 * 1024;

/** Writes `{ "index.ts": "..." }` under `dir`, after checking every name first. */
export async function writeFiles(files: Record<string, string>, dir: string): Promise<void> {
  const names = Object.keys(files);
  if (names.length > MAX_UPLOAD_FILES) throw invalid("files", `at most ${MAX_UPLOAD_FILES} files per upload`);
  for (const name of names) {
    const reason = unsafePathReason(name);
    if (reason) throw invalid(`files.${name}`, reason);
    if (typeof files[name] !== "string") throw invalid(`files.${name}`, "file contents must be a string");
  }
  for (const name of names) {
    const target = join(dir, name);
    try {
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, files[name], { flag: "wx" });
    } catch (err) {
      // e.g. "a" and "a/b" both given: one is a file, the other needs it to be a folder
      throw invalid(`files.${name}`, `cannot write: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
}

interface TarEntryInfo {
  path: string;
  type: string;
  linkpath: string;
  size: number;
}

const KEPT_TYPES = new Set(["File", "OldFile", "ContiguousFile", "Directory", "SymbolicLink", "Link"]);

/** Reads the entry list without writing anything. */
async function listEntries(buffer: Buffer): Promise<TarEntryInfo[]> {
  const entries: TarEntryInfo[] = [];
  const parser = new Parser({
    onReadEntry: (entry: ReadEntry) => {
      entries.push({ path: entry.path, type: entry.type, linkpath: entry.linkpath ?? "", size: entry.size ?? 0 });
      entry.resume();
    },
  });
  const failed = new Promise<never>((_, reject) => parser.on("error", reject));
  await Promise.race([pipeline(Readable.from([buffer]), parser), failed]);
  return entries;
}

function stripPath(path: string, strip: number): string {
  return path.split("/").filter(Boolean).slice(strip).join("/");
}

/**
 * How many leading path elements to strip: the single top-level folder every entry lives
 * under (GitHub tarballs, `tar -C parent ./fn`), counting any leading "." element that
 * node-tar strips too; 0 when the entries do not share one folder.
 */
function commonTopFolder(entries: TarEntryInfo[]): number {
  const parts = entries.map((e) => e.path.split("/").filter(Boolean));
  const real = parts.map((p) => p.filter((s) => s !== "."));
  const tops = new Set(real.map((p) => p[0]));
  const nested = real.some((p) => p.length > 1);
  if (tops.size !== 1 || !nested) return 0;
  const dots = new Set(parts.filter((p, i) => real[i].length > 0).map((p) => p.findIndex((s) => s !== ".")));
  return dots.size === 1 ? [...dots][0] + 1 : 0;
}

function checkEntries(entries: TarEntryInfo[], strip: number): void {
  if (entries.length > MAX_UPLOAD_FILES * 10) throw invalid("tarball", `too many entries (${entries.length})`);
  let total = 0;
  for (const entry of entries) {
    const relative = entry.path.replace(/^(\.\/)+/, "").replace(/^\.$/, "");
    // `tar -C dir .` archives the folder itself as "./": nothing to write, nothing to check.
    if (relative === "" && entry.type === "Directory") continue;
    const reason = unsafePathReason(relative);
    if (reason) throw invalid(`tarball.${entry.path}`, reason);
    total += entry.size;
    if (entry.type === "SymbolicLink" && resolveLink(stripPath(entry.path, strip), entry.linkpath) === undefined) {
      throw invalid(`tarball.${entry.path}`, `symlink points outside the upload (${entry.linkpath})`);
    }
    if (entry.type === "Link" && unsafePathReason(entry.linkpath) !== undefined) {
      throw invalid(`tarball.${entry.path}`, `hard link points outside the upload (${entry.linkpath})`);
    }
  }
  if (total > MAX_EXTRACTED_BYTES) throw invalid("tarball", `unpacks to more than ${MAX_EXTRACTED_BYTES} bytes`);
}

/**
 * Unpacks a tar (gzip when `gzip`) into `dir`. Absolute and `..` paths and links pointing
 * outside are refused before anything is written; device files and FIFOs are skipped.
 */
export async function extractTarball(buffer: Buffer, dir: string, gzip: boolean): Promise<void> {
  if (gzip && !(buffer[0] === 0x1f && buffer[1] === 0x8b)) throw invalid("body", "not a gzip stream");
  let entries: TarEntryInfo[];
  try {
    entries = await listEntries(buffer);
  } catch (err) {
    throw invalid("body", `not a readable tarball: ${(err as Error).message}`);
  }
  if (entries.length === 0) throw invalid("body", "the tarball is empty");
  const strip = commonTopFolder(entries);
  checkEntries(entries, strip);
  try {
    await pipeline(
      Readable.from([buffer]),
      extract({
        cwd: dir,
        strip,
        strict: true,
        preserveOwner: false,
        noChmod: true,
        filter: (_path, entry) => KEPT_TYPES.has((entry as ReadEntry).type),
      }),
    );
  } catch (err) {
    throw new BunbaseError("FN_006", `extracting the tarball failed: ${(err as Error).message}`, {
      details: { path: "body" },
    });
  }
}
