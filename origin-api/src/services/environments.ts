import { ENVIRONMENTS, invalid, type Environment } from "../../../core/index.ts";

/** Validates an `environment` field or query parameter (default prod). */
export function parseEnvironment(value: unknown, path = "environment"): Environment {
  if (value === undefined || value === null || value === "") return "prod";
  if (typeof value === "string" && ENVIRONMENTS.includes(value as Environment)) return value as Environment;
  throw invalid(path, `environment must be one of ${ENVIRONMENTS.join(", ")}`);
}

export const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const MAX_VALUE_BYTES = 64 * 1024;

export function parseVarName(value: unknown, path: string): string {
  if (typeof value !== "string" || !VAR_NAME.test(value) || value.length > 256) {
    throw invalid(path, "must match ^[A-Za-z_][A-Za-z0-9_]*$");
  }
  return value;
}

export function parseValue(value: unknown, path = "value"): string {
  if (typeof value !== "string") throw invalid(path, "must be a string");
  if (Buffer.byteLength(value) > MAX_VALUE_BYTES) throw invalid(path, `must be at most ${MAX_VALUE_BYTES} bytes`);
  return value;
}
