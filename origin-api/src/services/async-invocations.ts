/**
 * Asynchronous invocations (`invoke?async=1`): stored first, then run through the runner
 * by a background loop. Failures that may pass (timeout, memory, runtime error, 5xx) are
 * retried up to 3 times with exponential backoff and full jitter; queued and running rows
 * survive a restart (delivery is at least once).
 */
import { BunbaseError, newInvocationId, toBunbaseError, type Logger } from "../../../core/index.ts";
import type { AsyncInvocation, Store } from "../store/index.ts";
import type { InvokeInput, Invoker } from "./invoker.ts";

export const MAX_RETRIES = 3;
const RETRYABLE = new Set(["FN_002", "FN_003", "FN_004", "FN_008"]);
const CONCURRENCY = 8;

export interface AsyncView {
  status: string;
  attempts: number;
  result?: unknown;
  error?: unknown;
}

export class AsyncInvocations {
  private timer: NodeJS.Timeout | undefined;
  private running = 0;
  private closed = false;
  private readonly inflight = new Set<Promise<void>>();
  private readonly abort = new AbortController();

  constructor(
    private readonly store: Store,
    private readonly invoker: Invoker,
    private readonly log: Logger,
    private readonly baseDelayMs = 500,
  ) {}

  start(): void {
    const resumed = this.store.async.requeueRunning();
    if (resumed > 0) this.log.info({ resumed }, "resuming async invocations");
    this.schedule(0);
  }

  enqueue(functionId: string, input: Omit<InvokeInput, "invocationId" | "attempt">): string {
    const id = newInvocationId();
    this.store.async.insert({
      id,
      functionId,
      environment: input.environment,
      version: input.version ?? null,
      eventType: input.eventType ?? null,
      contentType: input.contentType ?? null,
      query: input.query,
      payload: input.body ? Buffer.from(input.body) : null,
    });
    this.schedule(0);
    return id;
  }

  view(functionId: string, id: string): AsyncView {
    const row = this.store.async.get(functionId, id);
    if (!row) throw new BunbaseError("FN_001", `Invocation ${id} not found`);
    const view: AsyncView = { status: row.status, attempts: row.attempts };
    if (row.result !== undefined) view.result = row.result;
    if (row.error !== undefined) view.error = row.error;
    return view;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.abort.abort();
    await Promise.allSettled([...this.inflight]);
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.tick(), Math.max(0, Math.min(delayMs, 2_147_000_000)));
    this.timer.unref();
  }

  private tick(): void {
    const free = CONCURRENCY - this.running;
    const due = free > 0 ? this.store.async.claimDue(free) : [];
    for (const row of due) {
      this.running++;
      const p = this.run(row).finally(() => {
        this.running--;
        this.inflight.delete(p);
        this.schedule(0);
      });
      this.inflight.add(p);
    }
    const next = this.store.async.nextDueAt();
    if (next !== undefined && this.running < CONCURRENCY) this.schedule(next - Date.now());
  }

  private async run(row: AsyncInvocation): Promise<void> {
    const fn = this.store.functions.find(row.functionId);
    if (!fn)
      return this.store.async.finish(row.id, "failed", { error: { code: "FN_001", message: "Function deleted" } });
    let outcome:
      | { ok: true; result: unknown }
      | { ok: false; retry: boolean; error: { code?: string; message: string; status?: number } };
    try {
      const res = await this.invoker.invoke(
        fn,
        {
          environment: row.environment,
          version: row.version ?? undefined,
          eventType: row.eventType ?? undefined,
          contentType: row.contentType ?? undefined,
          body: row.payload,
          query: row.query,
          invocationId: row.id,
          attempt: row.attempts,
        },
        this.abort.signal,
      );
      outcome = await judge(res, row.eventType !== null);
    } catch (err) {
      if (this.closed) return; // stays running; requeued at the next start
      const e = toBunbaseError(err);
      outcome = {
        ok: false,
        retry: RETRYABLE.has(e.code) || e.status >= 500,
        error: { code: e.code, message: e.message },
      };
    }
    if (outcome.ok) return this.store.async.finish(row.id, "succeeded", { result: outcome.result });
    if (outcome.retry && row.attempts <= MAX_RETRIES) {
      const delay = backoff(row.attempts, this.baseDelayMs);
      this.store.async.retryLater(row.id, Date.now() + delay, outcome.error);
      this.log.info(
        { invocationId: row.id, attempt: row.attempts, retryMs: delay },
        "async invocation failed; retrying",
      );
      return;
    }
    this.store.async.finish(row.id, "failed", { error: outcome.error });
  }
}

/** Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff and Jitter"). */
export function backoff(attempt: number, baseMs: number): number {
  const cap = Math.min(60_000, baseMs * 2 ** (attempt - 1));
  return Math.round(cap / 2 + Math.random() * (cap / 2));
}

async function judge(res: Response, isEvent: boolean) {
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const envelope = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
  // A 5xx, or the platform's own error envelope (FN_00x) on a 4xx: the invocation failed.
  if (res.status >= 500 || (res.status >= 400 && /^FN_\d{3}$/.test(envelope?.code ?? ""))) {
    const code = envelope?.code;
    return {
      ok: false as const,
      retry: res.status >= 500 || RETRYABLE.has(code ?? ""),
      error: { code, message: envelope?.message ?? `status ${res.status}`, status: res.status },
    };
  }
  if (isEvent) return { ok: true as const, result: (json as { result?: unknown } | undefined)?.result ?? null };
  return {
    ok: true as const,
    result: { status: res.status, headers: { "content-type": res.headers.get("content-type") }, body: text },
  };
}
