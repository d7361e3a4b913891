/**
 * Entry of an edge node process (`node --no-node-snapshot --import tsx edge-node/main.ts`).
 * With BUNBASE_EDGE_MODE=runner it is the origin's runner: only the internal invoke route.
 */
import { createLogger, dataDir, readIfExists, stopOnSignals } from "../core/index.ts";
import { startEdgeNode } from "./index.ts";
import { join } from "node:path";

const runner = process.env.BUNBASE_EDGE_MODE === "runner";
const log = createLogger(runner ? "runner" : "edge");
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
