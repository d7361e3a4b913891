/**
 * Public face of rules/: the `edge` block of a function (contract section 3) applied to
 * a request before its handler runs. The server calls EdgeGate.admit(); the cluster
 * primary keeps the rate limit counters (SlidingWindowLimiter) for all workers.
 */
export { EdgeGate, withRequestHeaders } from "./edge-gate.ts";
export type { Admission, EdgeGateOptions, GateOutcome, GateRequest, GateTarget } from "./edge-gate.ts";
export { EdgeRules, edgeRulesFor } from "./edge-rules.ts";
export type { Answer, Continuation, EdgeDecision, EdgeRequest, EdgeRulesContext, Rejection } from "./edge-rules.ts";
export { headerRecord, mergeHeaders, type HeaderList } from "./header-list.ts";
export { CorsPolicy } from "./cors.ts";
export { rateLimitStore, LocalRateLimitStore, ClusterRateLimitStore } from "./rate-limit-store.ts";
export type { RateLimitAnswer, RateLimitHit, RateLimitStore } from "./rate-limit-store.ts";
export { SlidingWindowLimiter, type RateLimitResult } from "./sliding-window.ts";
export type { Claims } from "./auth.ts";
