/**
 * Object paths in a bucket become file paths under `<data dir>/storage/<bucket>/`, so a
 * name that could leave that folder (`..`, an absolute path, a backslash, NUL) or that the
 * file system would treat specially is refused, and the joined path is checked again.
 */
import { resolve, sep } from "node:path";
import { invalid } from "../../../core/index.ts";

export const MAX_PATH_BYTES = 1024;
/** Most file systems cap a name at 255 bytes. */
export const MAX_SEGMENT_BYTES = 255;

// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const CONTROL = /[\u0000-\u001f\u007f]/;

/** `a/b/c.txt`: non-empty segments, none `.` or `..`, no backslash or control character. */
export function parseObjectPath(value: unknown, path = "path"): string {
  if (typeof value !== "string" || value === "") throw invalid(path, "an object path is required");
  if (Buffer.byteLength(value) > MAX_PATH_BYTES) throw invalid(path, `must be at most ${MAX_PATH_BYTES} bytes`);
  if (CONTROL.test(value)) throw invalid(path, "may not contain NUL or control characters");
  if (value.includes("\\")) throw invalid(path, "may not contain a backslash");
  if (value.startsWith("/")) throw invalid(path, "must be relative (no leading '/')");
  for (const segment of value.split("/")) {
    if (segment === "") throw invalid(path, "may not contain empty segments ('//' or a trailing '/')");
    if (segment === "." || segment === "..") throw invalid(path, "may not contain '.' or '..' segments");
    if (Buffer.byteLength(segment) > MAX_SEGMENT_BYTES)
      throw invalid(path, `a segment may be at most ${MAX_SEGMENT_BYTES} bytes`);
  }
  return value;
}

/** A list prefix: like a path, but may be empty or end with `/`. */
export function parsePrefix(value: unknown): string {
  if (value === undefined || value === "") return "";
  if (typeof value !== "string") throw invalid("prefix", "must be a string");
  parseObjectPath(value.endsWith("/") ? `${value}x` : value, "prefix");
  return value;
}

/** The file of `objectPath` inside `bucketDir`; throws if it would not be inside (defence in depth). */
export function fileInside(bucketDir: string, objectPath: string): string {
  const root = resolve(bucketDir);
  const file = resolve(root, parseObjectPath(objectPath));
  if (!file.startsWith(root + sep)) throw invalid("path", "resolves outside the bucket");
  return file;
}
