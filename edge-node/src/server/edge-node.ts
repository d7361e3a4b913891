/** Assembles one edge node (or runner) from its parts and serves it on a port. */
import { createServer, type Server } from "node:http";
import { hostname } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { announceListening, type EdgeFunction, type EdgeSnapshot, type Logger } from "../../../core/index.ts";
import { GeoDatabase, TrustedProxies } from "../../../geo/index.ts";
import { IsolatePool } from "../isolate/index.ts";
import { BundleStore } from "./bundle-store.ts";
import { rateLimitStore } from "../rules/index.ts";
import { isClusterWorker } from "./cluster-messages.ts";
import { EdgeMetrics } from "./edge-metrics.ts";
import { EdgeServer } from "./edge-server.ts";
import { FleetRevision } from "./fleet-revision.ts";
import { InvokeService, type OriginWorkers } from "./invoke-service.ts";
import { OriginForwarder } from "./origin-forwarder.ts";
import { OriginSync } from "./origin-sync.ts";
import { RegionForwarder } from "./region-forwarder.ts";
import { TelemetryShipper } from "./telemetry-shipper.ts";
import { WarmPlanner } from "./warm-plan.ts";

export interface EdgeNodeOptions {
  apiUrl: string;
  apiKey: string;
  dataDir: string;
  host: string;
  port: number;
  runner: boolean;
  internalToken?: string;
  nodeName?: string;
  /** BUNBASE_REGION: requests `edge.geo` assigns to another region are forwarded there. */
  region?: string;
  log: Logger;
  /**
   * The origin's runner only: runs functions placed on the origin (containers), follows
   * each applied config (warm containers, versions gone) and closes with the node.
   */
  originWorkers?: (deps: { recordLog: TelemetryShipper["recordLog"] }) => RunnerOriginWorkers;
}

export type RunnerOriginWorkers = OriginWorkers & {
  apply(snapshot: EdgeSnapshot): void;
  stats(): object;
  close(): Promise<void>;
};

export interface RunningEdgeNode {
  url: string;
  server: Server;
  close(): Promise<void>;
}

export async function startEdgeNode(options: EdgeNodeOptions): Promise<RunningEdgeNode> {
  const { log } = options;
  // Bad geo settings stop the node with the variable and file named, before it serves.
  const trustedProxies = TrustedProxies.fromEnv();
  const geo = options.runner ? null : await GeoDatabase.fromEnv(process.env, { log });
  if (geo !== null) log.info({ geo: geo.describe() }, "GeoIP database loaded");
  const nodeName = options.nodeName ?? `${options.runner ? "runner" : "edge"}-${hostname()}-${process.pid}`;
  const bundles = new BundleStore(
    join(options.dataDir, "edge-cache", "bundles"),
    options.apiUrl,
    options.apiKey,
    (err) => log.warn({ err }, "could not write a bundle to the disk cache"),
  );
  // A config is applied once its bundles are here: cold starts never wait for the origin.
  const prepare = (snapshot: EdgeSnapshot) => bundles.prefetch(activeBundles(snapshot));
  const sync = new OriginSync({ apiUrl: options.apiUrl, apiKey: options.apiKey, log, prepare });
  const telemetry = new TelemetryShipper({ apiUrl: options.apiUrl, apiKey: options.apiKey, node: nodeName, log });
  const metrics = new EdgeMetrics();
  // One store per process (a cluster worker's answers are matched by id): the edge.rateLimit
  // block and the SDK's rateLimit() count in it, exact across the node's workers.
  const rateLimits = rateLimitStore(isClusterWorker());
  const pool = new IsolatePool({
    logSink: (entry, source) =>
      telemetry.recordLog({ ...entry, functionId: source.functionId, version: source.version }),
    codeCacheDir: join(options.dataDir, "edge-cache", "v8"),
    // The control plane is out of every function's reach unless its vpc allows private networks.
    egress: { deniedHosts: [new URL(options.apiUrl).host] },
    rateLimits,
    // @bunbase/sdk calls go to the origin as this node, with tokens signed by the fleet key.
    sdk: { apiUrl: options.apiUrl, apiKey: options.apiKey, forwardKey: () => sync.peers?.forwardKey },
  });
  const originWorkers = options.originWorkers?.({ recordLog: (record) => telemetry.recordLog(record) });
  const invoker = new InvokeService(pool, bundles, telemetry, metrics, originWorkers);

  log.info({ apiUrl: options.apiUrl }, "fetching config from the origin");
  await sync.start();
  const revisions = new FleetRevision(sync);
  const regions = options.runner
    ? undefined
    : new RegionForwarder({
        nodeName,
        region: options.region ?? "local",
        sync,
        trustedProxies,
        log,
        onOutcome: (region, outcome) => metrics.forwards.inc({ region, outcome }),
      });
  // Origin-placed functions run in the origin's containers: this node forwards to them.
  const origin = options.runner
    ? undefined
    : new OriginForwarder({
        nodeName,
        apiUrl: options.apiUrl,
        apiKey: options.apiKey,
        onOutcome: (outcome) => metrics.forwards.inc({ region: "origin", outcome }),
      });
  const edge = new EdgeServer({
    origin,
    revisions,
    poolStats: () => (originWorkers ? { ...pool.stats(), containers: originWorkers.stats() } : pool.stats()),
    nodeName,
    runner: options.runner,
    internalToken: options.internalToken,
    sync,
    invoker,
    metrics,
    log,
    geo,
    trustedProxies,
    rateLimits,
    regions,
  });
  // Drop warm isolates of versions no environment points to; keep scaling.minInstances loaded.
  const warmth = new WarmPlanner();
  const applySnapshot = (snapshot: EdgeSnapshot) => {
    originWorkers?.apply(snapshot);
    const plan = warmth.plan(isolateFunctions(snapshot));
    for (const [functionId, versions] of plan.keep) pool.evict(functionId, versions);
    for (const functionId of plan.removed) pool.evict(functionId);
    if (options.runner) return; // the origin's runner keeps nothing warm ahead of use
    for (const { fn, active } of plan.release) {
      invoker.release(fn, active).catch((err: unknown) => log.warn({ err, function: fn.name }, "release failed"));
    }
    for (const { fn, active } of plan.prewarm) {
      invoker.prewarm(fn, active).catch((err: unknown) => {
        warmth.failed(fn.id);
        log.warn({ err, function: fn.name }, "prewarm failed");
      });
    }
  };
  sync.on("snapshot", applySnapshot);
  applySnapshot(sync.snapshot);

  const server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 0 }, edge.handle);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const url = `http://${options.host.includes(":") ? `[${options.host}]` : options.host}:${address.port}`;
  // In a cluster the primary logs the node's one "listening" line, once a worker is up.
  const clustered = isClusterWorker();
  announceListening(
    log,
    { url, node: nodeName, runner: options.runner, pid: process.pid },
    clustered ? "worker listening" : "listening",
  );
  revisions.announce(url);

  return {
    url,
    server,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      sync.close();
      await regions?.close();
      await origin?.close();
      geo?.close();
      await originWorkers?.close();
      await telemetry.close();
      await pool.close();
    },
  };
}

/** The snapshot as far as it runs in isolates: versions placed on the origin run in containers. */
function isolateFunctions(snapshot: EdgeSnapshot): EdgeSnapshot {
  const onOrigin = (v: { placement?: string } | undefined) => v?.placement === "origin";
  const mixed = snapshot.functions.some(
    (fn) => Object.values(fn.versions).some(onOrigin) || (fn.pinnedVersions ?? []).some(onOrigin),
  );
  if (!mixed) return snapshot;
  const functions: EdgeFunction[] = [];
  for (const fn of snapshot.functions) {
    const versions = Object.fromEntries(Object.entries(fn.versions).filter(([, v]) => !onOrigin(v)));
    const pinnedVersions = fn.pinnedVersions?.filter((v) => !onOrigin(v));
    if (Object.keys(versions).length === 0 && !pinnedVersions?.length) continue;
    functions.push({ ...fn, versions, ...(pinnedVersions ? { pinnedVersions } : {}) });
  }
  return { ...snapshot, functions };
}

/** The bundles any environment or A/B pin of any isolate function points to. */
function activeBundles(snapshot: EdgeSnapshot): string[] {
  const hashes: string[] = [];
  for (const fn of isolateFunctions(snapshot).functions) {
    for (const active of Object.values(fn.versions)) if (active) hashes.push(active.bundleHash);
    for (const pinned of fn.pinnedVersions ?? []) hashes.push(pinned.bundleHash);
  }
  return hashes;
}
