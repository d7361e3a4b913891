/**
 * What one attempt's answer means: success with a result, a failure worth retrying
 * (timeout, memory, runtime error, cold start, throttling, any 5xx, an unreachable
 * runner), or a permanent one (a 4xx the platform gave: bad input FN_006, no such
 * function or version FN_001, permission FN_009), which goes straight to the dead letters.
 */
import { toBunbaseError } from "../../../core/index.ts";

const RETRYABLE = new Set(["FN_002", "FN_003", "FN_004", "FN_007", "FN_008"]);

export interface AttemptError {
  code: string;
  message: string;
  status?: number;
}

export type AttemptOutcome = { ok: true; result: unknown } | { ok: false; retry: boolean; error: AttemptError };

const isRetryable = (code: string, status: number) => status >= 500 || RETRYABLE.has(code);

/** A thrown error (the runner unreachable, a platform error before the call). */
export function outcomeOfError(err: unknown): AttemptOutcome {
  const e = toBunbaseError(err);
  return {
    ok: false,
    retry: isRetryable(e.code, e.status),
    error: { code: e.code, message: e.message, status: e.status },
  };
}

/** The runner's response: `{result}` for an event, the function's own Response for an HTTP-shape call. */
export async function outcomeOfResponse(res: Response, isEvent: boolean): Promise<AttemptOutcome> {
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const envelope = (json as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  const code = typeof envelope?.code === "string" ? envelope.code : undefined;
  // A 5xx, or the platform's own error envelope (FN_00x) on a 4xx: the invocation failed.
  // A function's own 4xx in an HTTP-shape call is its answer, not a failure.
  if (res.status >= 500 || (res.status >= 400 && /^FN_\d{3}$/.test(code ?? ""))) {
    const message = typeof envelope?.message === "string" ? envelope.message : `status ${res.status}`;
    return {
      ok: false,
      retry: isRetryable(code ?? "", res.status),
      error: { code: code ?? "FN_004", message, status: res.status },
    };
  }
  if (isEvent) return { ok: true, result: (json as { result?: unknown } | undefined)?.result ?? null };
  return {
    ok: true,
    result: { status: res.status, headers: { "content-type": res.headers.get("content-type") }, body: text },
  };
}
