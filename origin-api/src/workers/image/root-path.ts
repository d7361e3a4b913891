/**
 * Paths inside an image's root folder. Archive names are checked lexically first (no
 * absolute paths, no `..`); then every path is resolved component by component with
 * lstat, following symlinks as the container would see them (an absolute target starts
 * again at the root), so that nothing we write or read ever lands outside the root.
 */
import { lstat, readlink } from "node:fs/promises";
import { join, posix } from "node:path";
import { imageError } from "./image-error.ts";

/** As Linux's MAXSYMLINKS: more hops than this is a loop. */
const MAX_SYMLINK_HOPS = 40;

/** Why an archive member name is refused, or undefined when it stays inside the root. */
export function unsafeArchivePath(name: string): string | undefined {
  if (name.length === 0) return "empty path";
  if (name.includes("\0")) return "path contains NUL";
  if (name.startsWith("/")) return "absolute paths are not allowed";
  if (name.split("/").includes("..")) return '".." is not allowed in paths';
  return undefined;
}

/** `./a//b/` -> ["a", "b"]; [] is the root itself. Call unsafeArchivePath first. */
export function pathParts(name: string): string[] {
  return name.split("/").filter((p) => p !== "" && p !== ".");
}

/**
 * Whether a symlink at `entryParts` pointing to `target` climbs above the root when read
 * relative to the link's folder. Absolute targets are the container's own paths: fine.
 */
export function symlinkEscapes(entryParts: string[], target: string): boolean {
  if (target.startsWith("/")) return false;
  const joined = posix.normalize(posix.join(...entryParts.slice(0, -1), ".", target));
  return joined === ".." || joined.startsWith("../");
}

/**
 * Resolves `parts` under `root` to components free of symlinks. Every component that
 * exists is lstat'ed; symlinks are followed inside the root, the last one only when
 * `followLast`. Components that do not exist yet are kept as they are. Climbing above
 * the root or looping is refused (FN_005).
 */
export async function resolveInRoot(root: string, parts: string[], followLast: boolean): Promise<string[]> {
  const entry = parts.join("/");
  const resolved: string[] = [];
  const pending = [...parts];
  let hops = 0;
  let missing = false;
  while (pending.length > 0) {
    const part = pending.shift() as string;
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (resolved.length === 0) throw imageError(entry, "a symlink on the path climbs above the image root");
      resolved.pop();
      continue;
    }
    const last = pending.length === 0;
    if (missing || (last && !followLast)) {
      resolved.push(part);
      continue;
    }
    const target = await readLinkIfAny(join(root, ...resolved, part));
    if (target === null) missing = true;
    if (typeof target !== "string") {
      resolved.push(part);
      continue;
    }
    if (++hops > MAX_SYMLINK_HOPS) throw imageError(entry, "too many levels of symlinks");
    if (target.startsWith("/")) resolved.length = 0;
    pending.unshift(...target.split("/"));
  }
  return resolved;
}

/** The symlink's target; undefined for anything else that exists; null when nothing is there. */
async function readLinkIfAny(path: string): Promise<string | undefined | null> {
  try {
    const st = await lstat(path);
    return st.isSymbolicLink() ? await readlink(path) : undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return null;
    throw err;
  }
}
