/**
 * Starts the origin API: store, keys, services, the HTTP server, then the runner (which
 * needs our URL) and the async invocation loop. `close()` stops them in reverse.
 */
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { serve } from "@hono/node-server";
import { BuildWorkerClient } from "../../bundler/index.ts";
import { announceListening, type Logger } from "../../core/index.ts";
import { createApp } from "./app.ts";
import { Store } from "./store/index.ts";
import { ApiKeys, createServices, loadMasterKey, Runner } from "./services/index.ts";

export interface OriginOptions {
  dataDir: string;
  host: string;
  port: number;
  log: Logger;
  /** Start the runner child (default true). */
  runner?: boolean;
  /** BUNBASE_LOG_RETENTION_DAYS: logs older than this are deleted (default 7). */
  logRetentionDays?: number;
}

export interface RunningOrigin {
  url: string;
  close(): Promise<void>;
}

export async function startOrigin(o: OriginOptions): Promise<RunningOrigin> {
  const { log } = o;
  const master = loadMasterKey(o.dataDir);
  const store = Store.open(o.dataDir);
  const keys = new ApiKeys(store);
  const admin = keys.ensureKeyFile(o.dataDir, "admin.key", "admin");
  const node = keys.ensureKeyFile(o.dataDir, "node.key", "node");
  log.info(
    { adminKeyFile: admin.path, created: admin.created, masterKey: master.source },
    "admin API key is in the data dir",
  );

  let buildWorker: BuildWorkerClient | undefined;
  const runner = new Runner({
    nodeKey: readFileSync(node.path, "utf8").trim(),
    forwardKey: () => s.forwardKey,
    dataDir: o.dataDir,
    log,
  });
  const s = createServices({
    store,
    masterKey: master.key,
    dataDir: o.dataDir,
    log,
    builder: () => (buildWorker ??= new BuildWorkerClient()),
    runner,
    logRetentionDays: o.logRetentionDays,
  });

  const app = createApp(s);
  const server = await new Promise<Server>((resolve, reject) => {
    const srv = serve({ fetch: app.fetch, port: o.port, hostname: o.host }, () => resolve(srv as Server));
    srv.once("error", reject);
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${o.host.includes(":") ? `[${o.host}]` : o.host}:${port}`;
  announceListening(log, { url });

  if (o.runner !== false) runner.start(url);
  s.events.start();
  s.scheduler.start();
  s.retention.start();

  return {
    url,
    async close() {
      s.retention.stop();
      s.scheduler.stop();
      await s.events.close();
      await runner.close();
      await buildWorker?.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      store.close();
    },
  };
}
