/** Helpers for geo/'s own tests: the shared MaxMind test databases and a log recorder. */
import { fileURLToPath } from "node:url";
import type { GeoLog } from "./watched-mmdb.ts";

/** `../shared/geo/<name>`: the folder sits beside the checkout (see its README). */
export function testDatabase(name: string): string {
  return fileURLToPath(new URL(`../../shared/geo/${name}`, import.meta.url));
}

export interface LogLine {
  level: "info" | "warn" | "error";
  fields: Record<string, unknown>;
  msg: string;
}

/** A GeoLog that keeps what it is told, for assertions. */
export function recordingLog(): GeoLog & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at =
    (level: LogLine["level"]) =>
    (fields: object, msg: string): void => {
      lines.push({ level, fields: fields as Record<string, unknown>, msg });
    };
  return { lines, info: at("info"), warn: at("warn"), error: at("error") };
}
