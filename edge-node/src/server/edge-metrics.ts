/** Prometheus metrics of one edge node (`GET /metrics`, `GET /__bunbase/metrics`). */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

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
  readonly configRevision = new Gauge({
    name: "bunbase_edge_config_revision",
    help: "Revision of the origin config this node holds",
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: "bunbase_edge_" });
  }
}
