/**
 * The per-invocation log allowance: at most 1,000 lines and 256 KB, then a single warning
 * that the rest was dropped. Keeps one chatty function from flooding the log pipeline.
 */
export const MAX_LOG_LINES = 1000;
export const MAX_LOG_BYTES = 256 * 1024;

export type LogVerdict = "write" | "truncate" | "drop";

export class LogBudget {
  #lines = 0;
  #bytes = 0;
  #exhausted = false;

  /** "truncate" once, when the line would exceed the budget: write the warning instead. */
  admit(message: string): LogVerdict {
    if (this.#exhausted) return "drop";
    const bytes = Buffer.byteLength(message);
    if (this.#lines + 1 > MAX_LOG_LINES || this.#bytes + bytes > MAX_LOG_BYTES) {
      this.#exhausted = true;
      return "truncate";
    }
    this.#lines += 1;
    this.#bytes += bytes;
    return "write";
  }
}

export const TRUNCATED_MESSAGE = `logs truncated: an invocation may write at most ${MAX_LOG_LINES} lines and ${MAX_LOG_BYTES / 1024} KB`;
