/** Path rules shared by every way an upload reaches disk. */
import { isAbsolute, posix } from "node:path";

/** Most files one upload may hold (sources plus a `node_modules`). */
export const MAX_UPLOAD_FILES = 1000;

/**
 * Why a relative path from an upload is unsafe, or undefined when it is fine: it must stay
 * inside the target folder whatever the platform.
 */
export function unsafePathReason(name: string): string | undefined {
  if (name.length === 0) return "empty file name";
  if (name.includes("\0")) return "file name contains NUL";
  if (name.includes("\\")) return "file name contains a backslash";
  if (isAbsolute(name) || /^[A-Za-z]:/.test(name)) return "absolute paths are not allowed";
  if (name.split("/").includes("..")) return '".." is not allowed in paths';
  return undefined;
}

/** Where a symlink at `entry` pointing to `target` lands, relative to the root; undefined if outside. */
export function resolveLink(entry: string, target: string): string | undefined {
  if (target.startsWith("/") || target.includes("\0")) return undefined;
  const joined = posix.normalize(posix.join(posix.dirname(entry), target));
  return joined === ".." || joined.startsWith("../") ? undefined : joined;
}
