/** The public shapes of the isolate layer (see index.ts). */
import type { LogLevel } from "../../../core/index.ts";

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
}

export interface HttpRequestInput {
  invocationId: string;
  method: string;
  url: string;
  headers: [string, string][];
  body: Uint8Array | null;
  env: Record<string, string>;
  geo?: Record<string, unknown> | null;
  auth?: unknown;
}

export interface EventInput {
  invocationId: string;
  event: Record<string, unknown>;
  env: Record<string, string>;
}

export interface HttpResult {
  status: number;
  headers: [string, string][];
  body: Uint8Array;
}

export interface InvocationTiming {
  /** Waiting for a free instance. */
  queueMs: number;
  /** Creating the isolate, its context and the runtime (0 when warm). */
  isolateMs: number;
  /** Compiling, instantiating and evaluating the user module (0 when warm). */
  compileMs: number;
  /** Running the handler until its response or result. */
  runMs: number;
}

export interface InvocationMeta {
  coldStart: boolean;
  timing: InvocationTiming;
  cpuMs: number;
  memoryMb: number;
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
  /** Instances per function version before requests queue. Default 8. */
  maxInstancesPerVersion?: number;
  /** Queued requests per function version before FN_007. Default 1000. */
  maxQueue?: number;
  /** Idle instances are disposed after this long. Default 5 minutes. */
  idleMs?: number;
}

export interface PoolStats {
  instances: number;
  busy: number;
  queued: number;
}
