/**
 * Entry of an edge node process (`node --no-node-snapshot --import tsx edge-node/main.ts`).
 * With BUNBASE_EDGE_WORKERS > 1 (default: one per core) the node runs as a supervisor
 * plus that many worker processes sharing the port (src/server/cluster-primary.ts).
 * With BUNBASE_EDGE_MODE=runner it is the origin's runner: one process, only the
 * internal invoke route. An edge node (not a runner) reports itself to the origin:
 * the supervisor, or the single process of a one-worker node (src/server/node-registration.ts).
 */
import cluster from "node:cluster";
import { availableParallelism, hostname } from "node:os";
import { join } from "node:path";
import {
  NODE_NAME_PATTERN,
  REGION_PATTERN,
  createLogger,
  dataDir,
  readIfExists,
  stopOnSignals,
} from "../core/index.ts";
import type { ToPrimary } from "./src/server/cluster-messages.ts";
import { runClusterPrimary } from "./src/server/cluster-primary.ts";
import { localNode } from "./src/server/fleet-revision.ts";
import { NodeRegistration } from "./src/server/node-registration.ts";

const runner = process.env.BUNBASE_EDGE_MODE === "runner";
const log = createLogger(runner ? "runner" : "edge");
const workers = runner ? 1 : Number(process.env.BUNBASE_EDGE_WORKERS ?? availableParallelism());
if (!Number.isInteger(workers) || workers < 1 || workers > 64) {
  log.fatal({ BUNBASE_EDGE_WORKERS: process.env.BUNBASE_EDGE_WORKERS }, "BUNBASE_EDGE_WORKERS must be 1 to 64");
  process.exit(1);
}
process.env.BUNBASE_NODE_NAME ??= `${runner ? "runner" : "edge"}-${hostname()}-${process.pid}`;
const nodeName = process.env.BUNBASE_NODE_NAME;
const region = process.env.BUNBASE_REGION || "local";
if (!NODE_NAME_PATTERN.test(nodeName) || !REGION_PATTERN.test(region)) {
  log.fatal(
    { BUNBASE_NODE_NAME: nodeName, BUNBASE_REGION: region },
    "BUNBASE_NODE_NAME (up to 128) and BUNBASE_REGION (up to 64) take letters, digits, '.', '_' and '-'",
  );
  process.exit(1);
}
const apiUrl = process.env.BUNBASE_API_URL ?? "http://127.0.0.1:8700";
const apiKey = process.env.BUNBASE_API_KEY ?? readIfExists(join(dataDir(), "node.key"));
if (!apiKey) {
  log.fatal("no API key: set BUNBASE_API_KEY to a node key (the origin writes one to <data dir>/node.key)");
  process.exit(1);
}

if (cluster.isPrimary && workers > 1) {
  // The supervisor stays free of isolated-vm: only workers import the runtime.
  runClusterPrimary({ workers, log });
  const registration = registerNode();
  cluster.on("message", (worker, message: ToPrimary) => registration?.fromWorker(worker.id, message));
  cluster.on("exit", (worker) => registration?.workerExited(worker.id));
} else {
  if (cluster.isPrimary) {
    const registration = registerNode();
    localNode.on("message", (message) => registration?.fromWorker(0, message));
  }
  await runNode(apiKey);
}

/** The origin's runner is not part of the fleet: only edge nodes report. */
function registerNode(): NodeRegistration | undefined {
  if (runner) return undefined;
  return new NodeRegistration({
    apiUrl,
    apiKey: apiKey!,
    name: nodeName,
    region,
    publicUrl: process.env.BUNBASE_PUBLIC_URL || undefined,
    log,
  });
}

async function runNode(key: string): Promise<void> {
  const { startEdgeNode } = await import("./index.ts");
  const node = await startEdgeNode({
    apiUrl,
    apiKey: key,
    dataDir: dataDir(),
    host: process.env.BUNBASE_HOST ?? "127.0.0.1",
    port: Number(process.env.EDGE_PORT ?? 8787),
    runner,
    internalToken: process.env.BUNBASE_INTERNAL_TOKEN,
    nodeName,
    region,
    log,
  }).catch((err: unknown) => {
    log.fatal({ err }, "edge node failed to start");
    process.exit(1);
  });
  stopOnSignals(log, () => node.close(), 5000);
}
