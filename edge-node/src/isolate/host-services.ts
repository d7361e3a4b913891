/**
 * The asynchronous services one instance's guest may use: fetch, crypto.subtle and the
 * SDK's rateLimit(), over one HostCalls channel. Owned by the HostBridge, which tells it
 * when invocations start and end; per-invocation state (subrequest and rate limit counts,
 * the egress rules, the deadline, where rateLimit() counts) is keyed by the invocation
 * key the bridge hands out.
 */
import type ivm from "isolated-vm";
import { HostCalls } from "./host-calls.ts";
import { HostCrypto } from "./host-crypto.ts";
import { HostFetch, type InvocationNetwork as FetchNetwork } from "./host-fetch.ts";
import { HostRateLimit, type InvocationRateLimit } from "./host-rate-limit.ts";
import { FETCH_BODY_CALLS, RATE_LIMIT_CALL, SDK_CALL } from "./protocol.ts";
import { HostSdk, type InvocationSdk } from "./sdk-bridge.ts";

/** Per invocation: what its fetches may reach, where rateLimit() counts, whom @bunbase/sdk calls act for. */
export type InvocationNetwork = FetchNetwork & { rateLimit?: InvocationRateLimit; sdk?: InvocationSdk };
/** What the pool knows before an invocation starts (the instance adds the deadline). */
export type NetworkRules = Omit<InvocationNetwork, "deadline">;

/** When the pool does not say: no egress, and the default function timeout. */
const DEFAULT_WINDOW_MS = 30_000;

/** An invocation's rules as the pool gave them, and its deadline; combined when a service first asks. */
interface InvocationEntry {
  rules: NetworkRules | undefined;
  deadline: number;
  network: InvocationNetwork | null;
}

export class HostServices {
  readonly #invocations = new Map<number, InvocationEntry>();
  readonly #fetch: HostFetch;
  readonly #crypto = new HostCrypto();
  readonly #rateLimit = new HostRateLimit((key) => this.#network(key));
  readonly #sdk: HostSdk;
  readonly #calls: HostCalls;

  /** `enter`: how answers enter the isolate (the instance's RunGate slot, see HostCalls). */
  constructor(enter?: (work: () => Promise<unknown>) => Promise<unknown>) {
    this.#fetch = new HostFetch((key) => this.#network(key));
    const bodies = this.#fetch.bodies;
    this.#sdk = new HostSdk(
      (key) => this.#network(key),
      (key) => this.#fetch.takeSubrequest(key),
    );
    this.#calls = new HostCalls(
      {
        fetch: this.#fetch.fetch,
        [FETCH_BODY_CALLS.read]: bodies.read,
        [RATE_LIMIT_CALL.op]: this.#rateLimit.take,
        [SDK_CALL.op]: this.#sdk.call,
        ...this.#crypto.operations,
      },
      { "key.release": (handle) => this.#crypto.release(handle), [FETCH_BODY_CALLS.cancel]: bodies.cancel },
      enter,
    );
  }

  install(context: ivm.Context): Promise<void> {
    return this.#calls.install(context);
  }

  /**
   * `deadline` (epoch ms): when the invocation must end, the deadline of its subrequests.
   * The rules and the deadline are combined only when a fetch, rateLimit() or SDK call
   * first asks: most invocations make none.
   */
  startInvocation(key: number, rules?: NetworkRules, deadline = Date.now() + DEFAULT_WINDOW_MS): void {
    this.#invocations.set(key, { rules, deadline, network: null });
  }

  #network(key: number): InvocationNetwork | undefined {
    const entry = this.#invocations.get(key);
    if (entry === undefined) return undefined;
    entry.network ??= Object.assign({}, entry.rules, { deadline: entry.deadline });
    return entry.network;
  }

  /** Aborts the invocation's fetches, destroys their bodies, forgets its subrequest and rateLimit() counts. */
  endInvocation(key: number): void {
    this.#invocations.delete(key);
    this.#fetch.endInvocation(key);
    this.#rateLimit.endInvocation(key);
    this.#sdk.endInvocation(key);
    this.#calls.endInvocation(key);
  }

  detach(): void {
    this.#invocations.clear();
    this.#calls.detach();
    this.#fetch.detach();
  }
}
