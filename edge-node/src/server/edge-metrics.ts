/**
 * Prometheus metrics of one edge node (`GET /metrics`, `GET /__bunbase/metrics`). Each
 * process keeps its own registry; in a cluster, a scrape answers for all workers
 * (cluster-metrics.ts), each metric merged by its `aggregator`: sum unless set here.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type Aggregator } from "prom-client";
import { ClusterScrape } from "./cluster-metrics.ts";

const PREFIX = "bunbase_edge_";

/** Default process metrics whose sum over the workers would mean nothing. */
const DEFAULT_AGGREGATORS: Record<string, Aggregator> = {
  process_max_fds: "max",
  // prom-client omits it in a cluster; the oldest worker's start is the useful one.
  process_start_time_seconds: "min",
};

export class EdgeMetrics {
  readonly registry = new Registry();
  readonly invocations = new Counter({
    name: "bunbase_edge_invocations_total",
    help: "Invocations served, by function, trigger and outcome code",
    labelNames: ["function", "trigger", "code"] as const,
    registers: [this.registry],
  });
  readonly coldStarts = new Counter({
    name: "bunbase_edge_cold_starts_total",
    help: "Invocations that had to create an isolate",
    labelNames: ["function"] as const,
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: "bunbase_edge_invocation_duration_seconds",
    help: "Wall time of invocations on this node",
    labelNames: ["function"] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  /** Fresh A/B assignments (returning clients with a valid cookie are not counted again). */
  readonly abAssignments = new Counter({
    name: "bunbase_edge_ab_assignments_total",
    help: "A/B test variants assigned to new clients, by function, test and variant",
    labelNames: ["function", "test", "variant"] as const,
    registers: [this.registry],
  });
  readonly forwards = new Counter({
    name: "bunbase_edge_forwards_total",
    help: "Requests a geo rule sent to another region, by region and outcome (forwarded, failed after it left, unreachable node skipped, served here for want of a node)",
    labelNames: ["region", "outcome"] as const,
    registers: [this.registry],
  });
  readonly configRevision = new Gauge({
    name: "bunbase_edge_config_revision",
    help: "Revision of the origin config this node holds (all its workers)",
    // The node holds revision n once every worker does (fleet-revision.ts).
    aggregator: "min",
    registers: [this.registry],
  });
  readonly #cluster: ClusterScrape | undefined;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: PREFIX });
    for (const [name, aggregator] of Object.entries(DEFAULT_AGGREGATORS)) {
      const metric = this.registry.getSingleMetric(PREFIX + name) as { aggregator?: Aggregator } | undefined;
      if (metric) metric.aggregator = aggregator;
    }
    this.#cluster = ClusterScrape.ifClustered(this.registry);
  }

  /** The node's metrics in Prometheus text: all workers' in a cluster, else this process's. */
  scrape(): Promise<string> {
    return this.#cluster?.text() ?? this.registry.metrics();
  }
}
