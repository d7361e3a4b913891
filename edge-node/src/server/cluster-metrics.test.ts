import assert from "node:assert/strict";
import type { Worker } from "node:cluster";
import { describe, it } from "node:test";
import type { ToWorker } from "./cluster-messages.ts";
import { ClusterMetrics } from "./cluster-metrics.ts";
import { EdgeMetrics } from "./edge-metrics.ts";

/**
 * A stand-in for a cluster worker that reports its own EdgeMetrics (or stays silent). The
 * report is copied as IPC would: getMetricsAsJSON() hands out the live value objects.
 */
function fakeWorker(id: number, collector: ClusterMetrics, options: { silent?: boolean; fails?: boolean } = {}) {
  const metrics = new EdgeMetrics();
  const worker = {
    id,
    isConnected: () => true,
    send(message: ToWorker) {
      if (message.type !== "metrics-collect" || options.silent) return true;
      if (options.fails) return void setImmediate(() => collector.report(worker, message.id, undefined));
      void metrics.registry
        .getMetricsAsJSON()
        .then((json) => collector.report(worker, message.id, structuredClone(json)));
      return true;
    },
  } as unknown as Worker;
  return { worker, metrics };
}

function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const served = (metrics: EdgeMetrics, n: number, seconds = 0.01) => {
  for (let i = 0; i < n; i++) {
    metrics.invocations.inc({ function: "f", trigger: "http", code: "ok" });
    metrics.duration.observe({ function: "f" }, seconds);
  }
};
const invocations = 'bunbase_edge_invocations_total{function="f",trigger="http",code="ok"}';

describe("ClusterMetrics", () => {
  it("sums counters and histograms over the workers; gauges by their aggregator", async () => {
    const collector = new ClusterMetrics();
    const a = fakeWorker(1, collector);
    const b = fakeWorker(2, collector);
    served(a.metrics, 3);
    served(b.metrics, 4, 2);
    a.metrics.configRevision.set(7);
    b.metrics.configRevision.set(6);
    const text = await collector.text([a.worker, b.worker]);
    assert.equal(sample(text, invocations), 7);
    assert.equal(sample(text, 'bunbase_edge_invocation_duration_seconds_count{function="f"}'), 7);
    assert.equal(sample(text, 'bunbase_edge_invocation_duration_seconds_bucket{le="0.01",function="f"}'), 3);
    assert.equal(sample(text, "bunbase_edge_config_revision"), 6, "the node holds what every worker holds");
    const maxFds = sample(text, "bunbase_edge_process_max_fds");
    if (maxFds !== undefined)
      assert.equal(maxFds, sample(await a.metrics.registry.metrics(), "bunbase_edge_process_max_fds"));
    assert.ok(sample(text, "bunbase_edge_process_start_time_seconds"));
    assert.equal(sample(text, 'bunbase_edge_cluster_workers{report="answered"}'), 2);
  });

  it("answers after its timeout without a silent worker, or with that worker's previous report", async () => {
    const collector = new ClusterMetrics({ timeoutMs: 50 });
    const a = fakeWorker(1, collector);
    const silent = { silent: false };
    const b = fakeWorker(2, collector, silent);
    served(a.metrics, 1);
    const late = fakeWorker(3, collector, { silent: true });
    const started = Date.now();
    let text = await collector.text([a.worker, late.worker]);
    assert.ok(Date.now() - started < 1000);
    assert.equal(sample(text, invocations), 1);
    assert.equal(sample(text, 'bunbase_edge_cluster_workers{report="missing"}'), 1);

    served(b.metrics, 5);
    await collector.text([a.worker, b.worker]);
    silent.silent = true;
    served(b.metrics, 100); // not reported: b is slow now
    text = await collector.text([a.worker, b.worker]);
    assert.equal(sample(text, invocations), 6, "b counts with its previous report");
    assert.equal(sample(text, 'bunbase_edge_cluster_workers{report="stale"}'), 1);
  });

  it("does not wait for a worker whose registry could not be read", async () => {
    const collector = new ClusterMetrics({ timeoutMs: 10_000 });
    const a = fakeWorker(1, collector);
    served(a.metrics, 2);
    const broken = fakeWorker(2, collector, { fails: true });
    const text = await collector.text([a.worker, broken.worker]);
    assert.equal(sample(text, invocations), 2);
    assert.equal(sample(text, 'bunbase_edge_cluster_workers{report="missing"}'), 1);
  });

  it("keeps an exited worker's counters and histograms, not its gauges", async () => {
    const collector = new ClusterMetrics();
    const a = fakeWorker(1, collector);
    const b = fakeWorker(2, collector);
    served(a.metrics, 2);
    served(b.metrics, 3);
    b.metrics.configRevision.set(1);
    await collector.text([a.worker, b.worker]);
    collector.exited(b.worker);
    a.metrics.configRevision.set(9);
    const c = fakeWorker(3, collector);
    served(c.metrics, 1);
    const text = await collector.text([a.worker, c.worker]);
    assert.equal(sample(text, invocations), 6);
    assert.equal(sample(text, 'bunbase_edge_invocation_duration_seconds_count{function="f"}'), 6);
    assert.equal(sample(text, "bunbase_edge_config_revision"), 0, "c holds none yet; b's gauge left with b");
    collector.exited(a.worker);
    collector.exited(c.worker);
    assert.equal(sample(await collector.text([]), invocations), 6);
  });
});
