/** IPC between an edge cluster's primary and its workers. */
import type { MetricObjectWithValues, MetricValue } from "prom-client";
import type { RateLimitAnswer, RateLimitHit } from "../rules/index.ts";

/** One registry's metrics as `registry.getMetricsAsJSON()` gives them (plain data, IPC-safe). */
export type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];

export type ToPrimary =
  | { type: "listening"; url: string; revision: number }
  | { type: "revision"; revision: number }
  | { type: "wait-revision"; id: number; revision: number }
  /** A worker serves a scrape: it wants the whole node's metrics. */
  | { type: "metrics-scrape"; id: number }
  /** A worker's own registry, answering `metrics-collect` (or why it could not). */
  | { type: "metrics-report"; id: number; metrics: MetricsJson }
  | { type: "metrics-report"; id: number; error: string }
  /** Counts one request against a rate limit key, in the node-wide counters (rules/rate-limit-store.ts). */
  | RateLimitHit;

export type ToWorker =
  | { type: "revision-reached"; id: number; revision: number }
  /** The primary gathers a scrape: every worker reports its own registry. */
  | { type: "metrics-collect"; id: number }
  /** The answer to `metrics-scrape`: the node's metrics in Prometheus text, null if they failed. */
  | { type: "metrics-scraped"; id: number; text: string | null }
  /** The answer to `rate-limit-hit`. */
  | RateLimitAnswer;

/** Whether this process is a worker of a supervised edge cluster (cluster-primary.ts). */
export function isClusterWorker(): boolean {
  return typeof process.send === "function" && process.env.BUNBASE_CLUSTER_WORKER === "1";
}
