/** The public shapes of the isolate layer (see index.ts). */
import type { LogLevel } from "../../../core/index.ts";
import type { EgressConfig } from "../../../core/index.ts";
import type { SdkOrigin } from "./sdk-bridge.ts";

/** One immutable version of a function, as the pool runs it. */
export interface FunctionSource {
  functionId: string;
  name: string;
  version: number;
  bundleHash: string;
  /** The bundle: one self-contained ES module. */
  code: string;
  /** Its source map (JSON), used to map stack frames back to the user's files. */
  map?: string;
  /** The export that holds the handler (`default`, `handler`, ...). */
  exportName: string;
}

export interface InstanceLimits {
  memoryMb: number;
  timeoutMs: number;
  /** In-flight invocations per function before requests queue (`scaling.maxConcurrency`). Default 1000. */
  maxConcurrency?: number;
  /** The function's `vpc` block (config.vpc as is). Absent: every fetch is refused (egress off). */
  egress?: EgressConfig;
}

export interface HttpRequestInput {
  invocationId: string;
  method: string;
  url: string;
  headers: [string, string][];
  /**
   * The whole body, or its chunks as they arrive (the server enforces the 10 MB cap: an
   * iterable that throws a BunbaseError fails the invocation with that error, e.g. 413).
   */
  body: Uint8Array | AsyncIterable<Uint8Array> | null;
  /** The function's variables; instances are keyed by them, so a change gets a fresh instance. */
  env: Record<string, string>;
  geo?: Record<string, unknown> | null;
  auth?: unknown;
  /** The client's address as the edge determined it (socket or trusted proxy): what `rateLimit()` counts by "ip". */
  clientIp?: string;
}

export interface EventInput {
  invocationId: string;
  event: Record<string, unknown>;
  env: Record<string, string>;
  /** A trigger's own handler: the name of another export of the bundle's entry module. */
  handler?: string;
}

export interface HttpResult {
  status: number;
  headers: [string, string][];
  /**
   * The whole body, or (the handler returned a ReadableStream body) its chunks as the guest
   * produces them. A streamed body must be read to the end or closed with `return()`; it
   * throws an InvocationFailure (FN_004 past 10 MB, FN_002 past the timeout) mid-way.
   */
  body: Uint8Array | AsyncIterable<Uint8Array>;
}

export interface InvocationTiming {
  /** Waiting for a free instance. */
  queueMs: number;
  /** Taking a pre-warmed isolate, or creating one with its context and runtime (0 when warm). */
  isolateMs: number;
  /** Compiling, instantiating and evaluating the user module (0 when warm). */
  compileMs: number;
  /** Running the handler until its response or result. */
  runMs: number;
}

export interface InvocationMeta {
  coldStart: boolean;
  timing: InvocationTiming;
  /** CPU time: exact for an invocation alone on its instance, apportioned under concurrency. */
  cpuMs: number;
  /** Heap of the instance at its last sample (shared by its concurrent invocations). */
  memoryMb: number;
  /** Cold starts only: whether our V8 code cache for the bundle was used, rejected, or produced now. */
  codeCache?: "produced" | "used" | "rejected";
  /** Set by origin workers: `timing.isolateMs` is the container's start (server-timing `container`). */
  container?: true;
}

export interface GuestLog {
  level: LogLevel;
  message: string;
  invocationId: string;
  /** ISO 8601 */
  time: string;
  fields?: Record<string, unknown>;
}

export type LogSink = (log: GuestLog, source: FunctionSource) => void;

export interface IsolatePoolOptions {
  logSink: LogSink;
  /** Ignored since one instance serves many invocations at once (see InstanceLimits.maxConcurrency). */
  maxInstancesPerVersion?: number;
  /** Requests per function waiting beyond maxConcurrency before FN_007. Default 1000. */
  maxQueue?: number;
  /** Longest a request waits in that queue before FN_007. Default 10 s. */
  maxQueueWaitMs?: number;
  /** Idle instances are disposed after this long. Default 5 minutes. */
  idleMs?: number;
  /** Isolate heap (by heap statistics) of all instances before idle ones are evicted, LRU first. Default 2048. */
  memoryBudgetMb?: number;
  /** Pre-warmed isolates kept per memory size in use (~1.3 MB heap each). Default 16. */
  prewarmed?: number;
  /** Memory sizes whose pre-warmed stock is made at start, before any request. Default [128]. */
  prewarmSizes?: number[];
  /** Isolates executing at once, node-wide. Default cores + 1. */
  runningIsolates?: number;
  /** Where our V8 code cache for user bundles is kept on disk (e.g. under the edge data dir). */
  codeCacheDir?: string;
  /** Node-wide fetch rules (docs/runtime.md, "fetch and egress"). */
  egress?: EgressOptions;
  /**
   * Where `rateLimit()` of `@bunbase/functions` counts: on an edge node, the store of the
   * `edge.rateLimit` block (exact across workers). Without it the SDK counts per isolate.
   */
  rateLimits?: RateLimitCounter;
  /** Where `@bunbase/sdk` calls go (the origin, sdk-bridge.ts). Without it they are refused. */
  sdk?: SdkOrigin;
}

/** A node's rate limit counters (edge-node/src/rules/rate-limit-store.ts RateLimitStore fits). */
export interface RateLimitCounter {
  hit(
    key: string,
    limit: number,
    windowMs: number,
  ): Promise<{ allowed: boolean; limit: number; remaining: number; resetSeconds: number }>;
}

export interface EgressOptions {
  /** `host:port` (or bare hosts/addresses) no function reaches without vpc.allowPrivateNetworks: the control plane. */
  deniedHosts?: string[];
  /** fetch() calls per invocation, redirects included. Default 50. */
  maxSubrequests?: number;
}

export interface PoolStats {
  /** Live function instances (one per function version, env and memory size). */
  instances: number;
  /** Invocations in flight. */
  busy: number;
  /** Invocations waiting for a concurrency slot. */
  queued: number;
  /** Pre-warmed isolates in stock. */
  prewarmed: number;
  /** Heap of all instances at their last sample, MB. */
  heapMb: number;
}
