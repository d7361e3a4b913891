/**
 * Entry of an edge node process (`node --no-node-snapshot --import tsx edge-node/main.ts`).
 * With BUNBASE_EDGE_WORKERS > 1 (default: one per core) the node runs as a supervisor
 * plus that many worker processes sharing the port (src/server/cluster-primary.ts).
 * With BUNBASE_EDGE_MODE=runner it is the origin's runner: one process, only the
 * internal invoke route.
 */
import cluster from "node:cluster";
import { availableParallelism, hostname } from "node:os";
import { join } from "node:path";
import { createLogger, dataDir, readIfExists, stopOnSignals } from "../core/index.ts";
import { runClusterPrimary } from "./src/server/cluster-primary.ts";

const runner = process.env.BUNBASE_EDGE_MODE === "runner";
const log = createLogger(runner ? "runner" : "edge");
const workers = runner ? 1 : Number(process.env.BUNBASE_EDGE_WORKERS ?? availableParallelism());
if (!Number.isInteger(workers) || workers < 1 || workers > 64) {
  log.fatal({ BUNBASE_EDGE_WORKERS: process.env.BUNBASE_EDGE_WORKERS }, "BUNBASE_EDGE_WORKERS must be 1 to 64");
  process.exit(1);
}
process.env.BUNBASE_NODE_NAME ??= `${runner ? "runner" : "edge"}-${hostname()}-${process.pid}`;

if (cluster.isPrimary && workers > 1) {
  // The supervisor stays free of isolated-vm: only workers import the runtime.
  runClusterPrimary({ workers, log });
} else {
  await runNode();
}

async function runNode(): Promise<void> {
  const { startEdgeNode } = await import("./index.ts");
  const dir = dataDir();
  const apiKey = process.env.BUNBASE_API_KEY ?? readIfExists(join(dir, "node.key"));
  if (!apiKey) {
    log.fatal("no API key: set BUNBASE_API_KEY to a node key (the origin writes one to <data dir>/node.key)");
    process.exit(1);
  }
  const node = await startEdgeNode({
    apiUrl: process.env.BUNBASE_API_URL ?? "http://127.0.0.1:8700",
    apiKey,
    dataDir: dir,
    host: process.env.BUNBASE_HOST ?? "127.0.0.1",
    port: Number(process.env.EDGE_PORT ?? 8787),
    runner,
    internalToken: process.env.BUNBASE_INTERNAL_TOKEN,
    nodeName: process.env.BUNBASE_NODE_NAME,
    log,
  }).catch((err: unknown) => {
    log.fatal({ err }, "edge node failed to start");
    process.exit(1);
  });
  stopOnSignals(log, () => node.close(), 5000);
}
