/**
 * The one error registry of the platform (contract section 2.2). Every error a user can
 * see carries one of these codes; callers match on `code`, never on `instanceof`.
 * docs/api.md documents each code, and test/unit/errors-doc.test.ts keeps the two in step.
 */
export const ERROR_CODES = {
  FN_001: { status: 404, title: "Function not found" },
  FN_002: { status: 504, title: "Timeout exceeded" },
  FN_003: { status: 502, title: "Memory limit exceeded" },
  FN_004: { status: 502, title: "Runtime error" },
  FN_005: { status: 422, title: "Deployment failed" },
  FN_006: { status: 400, title: "Invalid configuration or request" },
  FN_007: { status: 429, title: "Rate limit or concurrency limit exceeded" },
  FN_008: { status: 503, title: "Cold start timeout" },
  FN_009: { status: 403, title: "Permission denied" },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ErrorOptions {
  /** Overrides the code's default status, e.g. 401 for a missing key, 413 for a body too large. */
  status?: number;
  details?: Record<string, unknown>;
  /** Extra response headers, e.g. `retry-after` for FN_007. */
  headers?: Record<string, string>;
  cause?: unknown;
}

export class BunbaseError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details?: Record<string, unknown>;
  readonly headers?: Record<string, string>;

  constructor(code: ErrorCode, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "BunbaseError";
    this.code = code;
    this.status = options.status ?? ERROR_CODES[code].status;
    this.details = options.details;
    this.headers = options.headers;
  }
}

export function isBunbaseError(value: unknown): value is BunbaseError {
  return value instanceof Error && (value as { name?: string }).name === "BunbaseError";
}

/** FN_006 naming the offending field, as the contract asks (`details.path`). */
export function invalid(path: string, message: string, extra: Record<string, unknown> = {}): BunbaseError {
  return new BunbaseError("FN_006", path ? `${path}: ${message}` : message, { details: { path, ...extra } });
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string; requestId: string; details?: Record<string, unknown> };
}

export function errorBody(err: BunbaseError, requestId: string): ErrorBody {
  const body: ErrorBody = { error: { code: err.code, message: err.message, requestId } };
  if (err.details !== undefined) body.error.details = err.details;
  return body;
}

/**
 * Anything thrown that is not a BunbaseError is a bug of ours, not the user's: it becomes
 * FN_004 with a generic message, so internals never leak into a response.
 */
export function toBunbaseError(value: unknown): BunbaseError {
  if (isBunbaseError(value)) return value;
  return new BunbaseError("FN_004", "Internal error", { status: 500, cause: value });
}
