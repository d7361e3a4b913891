/** `GET /metrics`: the origin's own Prometheus metrics (prom-client). */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export class Prometheus {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: "bunbase_origin_http_requests_total",
    help: "API requests by method, route and status",
    labelNames: ["method", "route", "status"] as const,
    registers: [this.registry],
  });
  readonly requestSeconds = new Histogram({
    name: "bunbase_origin_http_request_duration_seconds",
    help: "API request duration",
    labelNames: ["method", "route"] as const,
    buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
    registers: [this.registry],
  });
  readonly invocations = new Counter({
    name: "bunbase_invocations_reported_total",
    help: "Invocations reported by edge nodes and the runner",
    labelNames: ["trigger", "code"] as const,
    registers: [this.registry],
  });
  readonly deploys = new Counter({
    name: "bunbase_deploys_total",
    help: "Deploys by outcome",
    labelNames: ["outcome"] as const,
    registers: [this.registry],
  });
  readonly revision = new Gauge({
    name: "bunbase_config_revision",
    help: "Current config revision",
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: "bunbase_origin_" });
  }
}
