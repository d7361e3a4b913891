/**
 * The supervisor of a multi-process edge node (node:cluster, workers sharing the port).
 * It never loads isolated-vm: a worker lost to one tenant (an abort inside V8, a kill by
 * the OOM killer) costs only that worker's in-flight requests; siblings keep answering
 * and a replacement is forked at once. It also knows which config revision every worker
 * holds, so "is revision n live on this node?" has one answer, and it gathers the
 * workers' metrics, so a scrape of any worker answers for the node (cluster-metrics.ts).
 */
import cluster, { type Worker } from "node:cluster";
import { announceListening, stopOnSignals, type Logger } from "../../../core/index.ts";
import type { ToPrimary, ToWorker } from "./cluster-messages.ts";
import { SlidingWindowLimiter } from "../rules/sliding-window.ts";
import { ClusterMetrics } from "./cluster-metrics.ts";

export interface PrimaryOptions {
  workers: number;
  log: Logger;
}

interface Waiter {
  revision: number;
  worker: Worker;
  id: number;
}

/** More than this many crashes within a minute: back off instead of forking at once. */
const CRASH_BURST = 10;

export function runClusterPrimary(options: PrimaryOptions): void {
  const { log } = options;
  // Workers accept from the shared socket themselves and the kernel spreads connections.
  // Node's default round robin has the primary accept every connection and pass it over
  // IPC: ~0.8 ms more per new connection and ~15% less throughput here, and a connection
  // passed to a worker at the moment it dies is never answered. NODE_CLUSTER_SCHED_POLICY
  // still overrides it.
  if (process.env.NODE_CLUSTER_SCHED_POLICY === undefined) cluster.schedulingPolicy = cluster.SCHED_NONE;
  const revisions = new Map<number, number>();
  const waiters: Waiter[] = [];
  const crashes: number[] = [];
  const metrics = new ClusterMetrics();
  // The node's one set of rate limit counters: exact across workers (rules/rate-limit-store.ts).
  const rateLimits = new SlidingWindowLimiter();
  let url = "";
  let stopping = false;

  const fleetRevision = () => (revisions.size === 0 ? 0 : Math.min(...revisions.values()));
  const send = (worker: Worker, message: ToWorker) => {
    if (worker.isConnected()) worker.send(message);
  };
  const settleWaiters = () => {
    const reached = fleetRevision();
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (waiters[i].revision > reached) continue;
      send(waiters[i].worker, { type: "revision-reached", id: waiters[i].id, revision: reached });
      waiters.splice(i, 1);
    }
  };

  const fork = () => {
    const worker = cluster.fork({ BUNBASE_CLUSTER_WORKER: "1" });
    worker.on("message", (message: ToPrimary) => {
      if (message.type === "rate-limit-hit") {
        const result = rateLimits.hit(message.key, message.limit, message.windowMs);
        send(worker, { type: "rate-limit-result", id: message.id, result });
      } else if (message.type === "listening") {
        if (!url) {
          url = message.url;
          announceListening(log, { url, workers: options.workers });
        }
        revisions.set(worker.id, message.revision);
        settleWaiters();
      } else if (message.type === "revision") {
        revisions.set(worker.id, message.revision);
        settleWaiters();
      } else if (message.type === "wait-revision") {
        waiters.push({ revision: message.revision, worker, id: message.id });
        settleWaiters();
      } else if (message.type === "metrics-scrape") {
        scrape(worker, message.id);
      } else if (message.type === "metrics-report") {
        if ("error" in message) log.warn({ worker: worker.process.pid, err: message.error }, "worker metrics failed");
        metrics.report(worker, message.id, "metrics" in message ? message.metrics : undefined);
      }
    });
    return worker;
  };

  const scrape = (worker: Worker, id: number) => {
    // Workers still starting up have no registry to report yet: don't wait for them.
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w && revisions.has(w.id));
    metrics.text(workers).then(
      (text) => send(worker, { type: "metrics-scraped", id, text }),
      (err: unknown) => {
        log.error({ err }, "gathering the workers' metrics failed");
        send(worker, { type: "metrics-scraped", id, text: null });
      },
    );
  };

  cluster.on("exit", (worker, code, signal) => {
    revisions.delete(worker.id);
    metrics.exited(worker);
    for (let i = waiters.length - 1; i >= 0; i--) if (waiters[i].worker === worker) waiters.splice(i, 1);
    settleWaiters();
    if (stopping) return;
    const now = Date.now();
    crashes.push(now);
    while (crashes.length > 0 && crashes[0] < now - 60_000) crashes.shift();
    const delay = crashes.length > CRASH_BURST ? 1000 : 0;
    log.error({ worker: worker.process.pid, code, signal, restartInMs: delay }, "edge worker exited; replacing it");
    setTimeout(() => {
      if (!stopping) fork();
    }, delay);
  });

  for (let i = 0; i < options.workers; i++) fork();

  // SIGINT/SIGTERM, or the launcher gone (our stdin's pipe ends): the workers go first.
  stopOnSignals(log, () => {
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill("SIGTERM");
    return new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (Object.keys(cluster.workers ?? {}).length === 0) {
          clearInterval(check);
          resolve();
        }
      }, 50);
    });
  });
}
