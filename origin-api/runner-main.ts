/**
 * Entry of the origin's runner (`node --no-node-snapshot --import tsx origin-api/runner-main.ts`),
 * started by the origin API (src/services/runner.ts): an edge node in runner mode (the
 * API's invoke, async and event calls run here, never in the API's process) that also
 * runs the functions placed on the origin in containers (src/workers/). Without runc or
 * root it still runs isolate functions; origin-placed ones then answer FN_008. With the
 * fleet key (BUNBASE_FORWARD_KEY, from the origin API) containers reach @bunbase/sdk
 * through their relay (src/workers/sdk-relay/); the keys never enter a container.
 */
import { homedir, hostname } from "node:os";
import { join } from "node:path";
import { createLogger, dataDir, stopOnSignals, type LogRecord } from "../core/index.ts";
import { startEdgeNode, type RunnerOriginWorkers } from "../edge-node/index.ts";
import { ArtifactStore } from "./src/workers/artifacts.ts";
import { ContainerPool } from "./src/workers/pool/container-pool.ts";
import { ContainerHost } from "./src/workers/runc/index.ts";
import { SdkUpstream } from "./src/workers/sdk-relay/index.ts";
import { RunnerWorkers } from "./src/workers/runner-workers.ts";

const log = createLogger("runner");
const apiUrl = process.env.BUNBASE_API_URL ?? "http://127.0.0.1:8700";
const apiKey = process.env.BUNBASE_API_KEY;
if (!apiKey) {
  log.fatal("the runner needs BUNBASE_API_KEY (a node key); the origin API sets it");
  process.exit(1);
}
const data = dataDir();
const forwardKey = process.env.BUNBASE_FORWARD_KEY;
// Nothing this process starts needs it in its environment (containers get their own).
delete process.env.BUNBASE_FORWARD_KEY;

let containers: ContainerHost | undefined;
const unavailable = ContainerHost.unavailableReason();
if (unavailable === null) {
  containers = new ContainerHost({
    stateDir: join(data, "containers"),
    log,
    // The control plane is out of every container's reach unless its vpc allows private networks.
    egressPolicy: { deniedHosts: [new URL(apiUrl).host] },
    // Built once per machine (and init source), not once per data dir.
    initCacheDir: join(process.env.BUNBASE_CACHE_DIR ?? join(homedir(), ".cache", "bunbase"), "container-init"),
  });
  await containers.init();
} else {
  log.warn({ reason: unavailable }, "origin workers unavailable: functions placed on the origin will fail");
}

const artifacts = new ArtifactStore(join(data, "artifacts"));
const sdk = forwardKey ? new SdkUpstream({ apiUrl, apiKey, forwardKey }) : undefined;
if (containers && !sdk)
  log.warn("no BUNBASE_FORWARD_KEY: @bunbase/sdk calls from origin containers will fail (FN_004)");
const originWorkers = containers
  ? ({ recordLog }: { recordLog(record: LogRecord): void }) => {
      const host = containers!;
      const pool = new ContainerPool({
        containers: host,
        launchSpec: async (source) => artifacts.launchSpec(source.artifactHash),
        onLog: (entry, source) =>
          recordLog({
            ...entry,
            invocationId: entry.invocationId ?? "",
            functionId: source.functionId,
            version: source.version,
          }),
        log,
        sdk,
      });
      return new RunnerWorkers(pool, async () => {
        await host.close();
        await sdk?.close();
      }) as RunnerOriginWorkers;
    }
  : undefined;

const node = await startEdgeNode({
  apiUrl,
  apiKey,
  dataDir: data,
  host: process.env.BUNBASE_HOST ?? "127.0.0.1",
  port: Number(process.env.EDGE_PORT ?? 0),
  runner: true,
  internalToken: process.env.BUNBASE_INTERNAL_TOKEN,
  nodeName: process.env.BUNBASE_NODE_NAME ?? `runner-${hostname()}-${process.pid}`,
  log,
  originWorkers,
}).catch(async (err: unknown) => {
  log.fatal({ err }, "runner failed to start");
  await containers?.close();
  process.exit(1);
});
// The origin API holds our stdin (BUNBASE_STOP_WITH_PARENT): when it dies, even by SIGKILL,
// the runner and its containers go with it instead of living on as orphans.
stopOnSignals(log, () => node.close(), 10_000);
