/**
 * How an invocation fails: a BunbaseError (FN_002, FN_003, FN_004, FN_007) that also
 * carries the invocation's meta, so the server still reports timings and cold starts.
 */
import { BunbaseError, type ErrorCode, type ErrorOptions } from "../../../core/index.ts";
import type { InvocationMeta } from "./types.ts";

export class InvocationFailure extends BunbaseError {
  readonly meta: InvocationMeta;

  constructor(code: ErrorCode, message: string, meta: InvocationMeta, options: ErrorOptions = {}) {
    super(code, message, options);
    this.meta = meta;
  }
}

export function emptyMeta(coldStart = false): InvocationMeta {
  return { coldStart, timing: { queueMs: 0, isolateMs: 0, compileMs: 0, runMs: 0 }, cpuMs: 0, memoryMb: 0 };
}

/** Wraps what an instance threw into an InvocationFailure; unknown errors are ours (FN_004, 500). */
export function toInvocationFailure(error: unknown, meta: InvocationMeta): InvocationFailure {
  if (error instanceof InvocationFailure) return error;
  if (error instanceof BunbaseError) {
    return new InvocationFailure(error.code, error.message, meta, {
      status: error.status,
      details: error.details,
      headers: error.headers,
      cause: error.cause,
    });
  }
  return new InvocationFailure("FN_004", "Internal error", meta, { status: 500, cause: error });
}
