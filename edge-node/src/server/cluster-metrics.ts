/**
 * The Prometheus metrics of a whole edge node, gathered over cluster IPC (the pattern of
 * prom-client's AggregatorRegistry, with our own messages so that a slow or dead worker
 * cannot hang a scrape). The worker that serves `GET /metrics` asks the primary; the
 * primary asks every live worker for `registry.getMetricsAsJSON()`, waits at most its
 * timeout, and merges the reports with prom-client's aggregators: counters and
 * histograms summed, each gauge by its own aggregator (edge-metrics.ts).
 *
 * The node's totals do not go down because a worker is slow or gone: a worker that
 * misses the deadline counts with its previous report, and the counters and histograms
 * of a worker that exited stay in the sum as of its last report. (A drop would read as a
 * counter reset to Prometheus, and `rate()` would turn it into a spike.)
 */
import type { Worker } from "node:cluster";
import { AggregatorRegistry } from "prom-client";
import { BunbaseError } from "../../../core/index.ts";
import { isClusterWorker, type MetricsJson, type ToPrimary, type ToWorker } from "./cluster-messages.ts";

interface Collection {
  waiting: Set<number>;
  reports: Map<number, MetricsJson>;
  done: () => void;
}

/** Primary side: collects every worker's registry and answers with the node's metrics. */
export class ClusterMetrics {
  readonly #timeoutMs: number;
  readonly #collections = new Map<number, Collection>();
  /** Each live worker's latest report, by cluster worker id. */
  readonly #latest = new Map<number, MetricsJson>();
  /** The counters and histograms of the workers that exited, summed. */
  #departed: MetricsJson = [];
  #nextId = 1;

  constructor(options: { timeoutMs?: number } = {}) {
    this.#timeoutMs = options.timeoutMs ?? 1500;
  }

  /** The node's metrics in Prometheus text, from these workers (and the ones that exited). */
  async text(workers: Worker[]): Promise<string> {
    const live = workers.filter((worker) => worker.isConnected());
    const fresh = await this.#collect(live);
    const reports = [this.#departed];
    let stale = 0;
    for (const worker of live) {
      const report = fresh.get(worker.id) ?? this.#latest.get(worker.id);
      if (report !== undefined) reports.push(report);
      if (!fresh.has(worker.id) && report !== undefined) stale += 1;
    }
    const missing = live.length - fresh.size - stale;
    reports.push(workersGauge({ answered: fresh.size, stale, missing }));
    return AggregatorRegistry.aggregate(reports).metrics();
  }

  /** A worker's report for collection `id`; none if reading its registry failed (it counts as stale). */
  report(worker: Worker, id: number, metrics: MetricsJson | undefined): void {
    if (metrics !== undefined) this.#latest.set(worker.id, metrics);
    const collection = this.#collections.get(id);
    if (!collection?.waiting.delete(worker.id)) return;
    if (metrics !== undefined) collection.reports.set(worker.id, metrics);
    if (collection.waiting.size === 0) collection.done();
  }

  /** A worker exited: its counts stay in the node's totals, and no scrape waits for it. */
  exited(worker: Worker): void {
    const last = this.#latest.get(worker.id);
    this.#latest.delete(worker.id);
    if (last !== undefined) this.#departed = cumulativeSum([this.#departed, last]);
    for (const collection of this.#collections.values()) {
      if (collection.waiting.delete(worker.id) && collection.waiting.size === 0) collection.done();
    }
  }

  #collect(workers: Worker[]): Promise<Map<number, MetricsJson>> {
    const reports = new Map<number, MetricsJson>();
    if (workers.length === 0) return Promise.resolve(reports);
    const id = this.#nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(), this.#timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.#collections.delete(id);
        resolve(reports);
      };
      this.#collections.set(id, { waiting: new Set(workers.map((worker) => worker.id)), reports, done });
      const message: ToWorker = { type: "metrics-collect", id };
      for (const worker of workers) worker.send(message);
    });
  }
}

/** Worker side: answers the primary's collections, and asks it for the node's metrics. */
export class ClusterScrape {
  readonly #pending = new Map<number, (text: string | null) => void>();
  #nextId = 1;

  /** `timeoutMs`: how long a scrape waits for the primary (longer than the primary's own collection). */
  constructor(
    registry: { getMetricsAsJSON(): Promise<MetricsJson> },
    private readonly timeoutMs = 5000,
  ) {
    process.on("message", (message: ToWorker) => {
      if (message?.type === "metrics-collect") {
        registry.getMetricsAsJSON().then(
          (metrics) => tell({ type: "metrics-report", id: message.id, metrics }),
          (err: unknown) => tell({ type: "metrics-report", id: message.id, error: String(err) }),
        );
      } else if (message?.type === "metrics-scraped") {
        this.#pending.get(message.id)?.(message.text);
      }
    });
  }

  /** The whole node's metrics in Prometheus text. */
  text(): Promise<string> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const settle = (text: string | null) => {
        clearTimeout(timer);
        this.#pending.delete(id);
        if (text !== null) resolve(text);
        else reject(new BunbaseError("FN_004", "The node's metrics could not be gathered", { status: 503 }));
      };
      const timer = setTimeout(() => settle(null), this.timeoutMs);
      this.#pending.set(id, settle);
      tell({ type: "metrics-scrape", id });
    });
  }

  /** A ClusterScrape in a cluster worker; none in a single process (the runner, one worker). */
  static ifClustered(registry: { getMetricsAsJSON(): Promise<MetricsJson> }): ClusterScrape | undefined {
    return isClusterWorker() ? new ClusterScrape(registry) : undefined;
  }
}

function tell(message: ToPrimary): void {
  process.send?.(message);
}

/** Adds `reports`' counters and histograms (what a departed worker leaves behind; gauges go with it). */
export function cumulativeSum(reports: MetricsJson[]): MetricsJson {
  const cumulative = reports.map((metrics) =>
    metrics.filter((metric) => metric.aggregator === "sum" && CUMULATIVE.has(String(metric.type))),
  );
  // The aggregated registry's metrics carry their name, help, type, aggregator and values.
  return AggregatorRegistry.aggregate(cumulative).getMetricsAsArray() as unknown as MetricsJson;
}

const CUMULATIVE = new Set(["counter", "histogram"]);

/** `bunbase_edge_cluster_workers{report}`: how the node's workers answered this scrape. */
function workersGauge(counts: { answered: number; stale: number; missing: number }): MetricsJson {
  const gauge = {
    name: "bunbase_edge_cluster_workers",
    help: "Worker processes of this node by their report in this scrape: answered, stale (previous report), missing",
    type: "gauge",
    aggregator: "sum",
    values: Object.entries(counts).map(([report, value]) => ({ labels: { report }, value })),
  };
  return [gauge] as unknown as MetricsJson;
}
