/**
 * The SDK tokens of one container's invocations in progress. The pool mints one when it
 * sends an invocation to the container (core/src/sdk-token.ts: function id, invocation id,
 * expiry = the invocation's deadline) and forgets it when the invocation ends, so a token
 * opens the relay only while its invocation runs, and only in the container it was sent
 * to. Each token carries the invocation's subrequest budget (50 SDK calls by default, as
 * at the edge; docs/sdk.md) and a signal that aborts its calls in flight
 * when the invocation ends or outlives its deadline.
 */
import { signSdkToken } from "../../../../core/index.ts";

/** As edge-node/src/isolate/host-fetch.ts DEFAULT_MAX_SUBREQUESTS: per invocation. */
export const DEFAULT_MAX_SUBREQUESTS = 50;

export interface InvocationClaims {
  functionId: string;
  invocationId: string;
  /** Epoch ms: the invocation's timeout. */
  deadline: number;
}

export interface InvocationBudget {
  readonly claims: InvocationClaims;
  /** Subrequests spent so far. */
  used: number;
  /** Aborted when the invocation ends (reason "ended") or reaches its deadline ("deadline"). */
  readonly signal: AbortSignal;
}

interface Entry extends InvocationBudget {
  abort: AbortController;
  timer: NodeJS.Timeout;
}

export class InvocationTokens {
  readonly #live = new Map<string, Entry>();

  constructor(readonly maxSubrequests = DEFAULT_MAX_SUBREQUESTS) {}

  /** The token for this invocation, signed with the fleet key; live until end(). */
  begin(forwardKey: string, claims: InvocationClaims): string {
    const token = signSdkToken(forwardKey, { ...claims, expiresAt: claims.deadline });
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort("deadline"), Math.max(0, claims.deadline - Date.now()));
    timer.unref();
    this.#live.get(token)?.abort.abort("ended");
    this.#live.set(token, { claims, used: 0, signal: abort.signal, abort, timer });
    return token;
  }

  /** Aborts the invocation's calls in flight and refuses its token from now on. */
  end(token: string): void {
    const entry = this.#live.get(token);
    if (entry === undefined) return;
    this.#live.delete(token);
    clearTimeout(entry.timer);
    entry.abort.abort("ended");
  }

  /** The budget of a live, unexpired token; undefined for anything else. */
  lookup(token: string | undefined, now = Date.now()): InvocationBudget | undefined {
    if (token === undefined) return undefined;
    const entry = this.#live.get(token);
    return entry !== undefined && entry.claims.deadline > now ? entry : undefined;
  }

  /** Spends one subrequest: false once the invocation has used them all. */
  take(budget: InvocationBudget): boolean {
    if (budget.used >= this.maxSubrequests) return false;
    budget.used += 1;
    return true;
  }

  get size(): number {
    return this.#live.size;
  }

  /** Ends every invocation (the container is going). */
  clear(): void {
    for (const token of [...this.#live.keys()]) this.end(token);
  }
}
