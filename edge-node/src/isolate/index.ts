/**
 * The isolate layer's public face: run a function version's bundle in V8 isolates.
 * Other folders import this file only.
 */
export { IsolatePool } from "./pool.ts";
export { InvocationFailure } from "./invocation-failure.ts";
export { MAX_LOG_BYTES, MAX_LOG_LINES } from "./log-budget.ts";
export type { EgressConfig } from "../../../core/index.ts";
export type {
  EgressOptions,
  EventInput,
  FunctionSource,
  GuestLog,
  HttpRequestInput,
  HttpResult,
  InstanceLimits,
  InvocationMeta,
  InvocationTiming,
  IsolatePoolOptions,
  LogSink,
  PoolStats,
  RateLimitCounter,
} from "./types.ts";
