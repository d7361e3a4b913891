/**
 * Names users choose for the services' resources. Collections, document ids and queues
 * share one alphabet; buckets are folder names on disk, so theirs is stricter; field
 * paths become SQLite JSON paths, so only plain segments are allowed.
 */
import { invalid } from "../../../core/index.ts";

const RESOURCE_NAME = /^[A-Za-z0-9._:-]{1,128}$/;
const BUCKET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const FIELD_SEGMENT = /^[A-Za-z0-9_-]{1,128}$/;
const MAX_FIELD_SEGMENTS = 16;

/** Collection names, document ids and queue names: 1-128 of letters, digits, `. _ : -`. */
export function parseResourceName(value: unknown, path: string): string {
  if (typeof value !== "string" || !RESOURCE_NAME.test(value))
    throw invalid(path, "must be 1-128 characters of letters, digits, '.', '_', ':' or '-'");
  return value;
}

/** A bucket is a folder: 1-63 of letters, digits, `. _ -`, starting with a letter or digit. */
export function parseBucketName(value: unknown, path = "bucket"): string {
  if (typeof value !== "string" || !BUCKET_NAME.test(value))
    throw invalid(path, "must be 1-63 characters of letters, digits, '.', '_' or '-', starting with a letter or digit");
  return value;
}

/** `a.b.c`: up to 16 segments of letters, digits, `_` and `-`. */
export function parseFieldPath(value: unknown, path: string): string[] {
  const segments = typeof value === "string" ? value.split(".") : [];
  if (segments.length === 0 || segments.length > MAX_FIELD_SEGMENTS || !segments.every((s) => FIELD_SEGMENT.test(s)))
    throw invalid(path, "must be a field path like 'a.b.c' (segments of letters, digits, '_' and '-')");
  return segments;
}

/** The SQLite JSON path of validated segments: `$."a"."b"` (segments never hold quotes). */
export function jsonPath(segments: string[]): string {
  return "$" + segments.map((s) => `."${s}"`).join("");
}
