/** Wires the services of the origin API over one store. */
import { hkdfSync } from "node:crypto";
import { join } from "node:path";
import { mkdirSync } from "node:fs";
import type { BuildWorkerClient } from "../../../bundler/index.ts";
import type { Logger } from "../../../core/index.ts";
import type { Store } from "../store/index.ts";
import { DataServices } from "../data/index.ts";
import { EventEngine } from "../events/index.ts";
import { ApiKeys } from "./api-keys.ts";
import { AsyncInvocations } from "./async-invocations.ts";
import { Deployer } from "./deployer.ts";
import { Functions } from "./functions.ts";
import { InFlightBoard } from "./in-flight.ts";
import { ArtifactStore } from "../workers/artifacts.ts";
import { Invoker } from "./invoker.ts";
import { LogFeed } from "./log-feed.ts";
import { Mutations } from "./mutations.ts";
import { NodeRegistry } from "./node-registry.ts";
import { Prometheus } from "./prometheus.ts";
import { RevisionBus } from "./revision-bus.ts";
import { Runner } from "./runner.ts";
import { SecretVault } from "./secret-vault.ts";
import { TelemetryRetention } from "./telemetry-retention.ts";
import { Variables } from "./variables.ts";
import { Scheduler, WebhookReceiver, WebhookSecrets } from "../triggers/index.ts";

export interface Services {
  store: Store;
  log: Logger;
  keys: ApiKeys;
  bus: RevisionBus;
  variables: Variables;
  functions: Functions;
  deployer: Deployer;
  logs: LogFeed;
  runner: Runner;
  invoker: Invoker;
  asyncInvocations: AsyncInvocations;
  /** The delivery engine (origin-api/src/events): the EventSink of every producer; server.ts starts and stops it. */
  events: EventEngine;
  prometheus: Prometheus;
  /** The invocations in flight the nodes last reported (metrics' `concurrency.current`). */
  inFlight: InFlightBoard;
  /** Deletes old invocation aggregates and logs; server.ts starts and stops it. */
  retention: TelemetryRetention;
  nodes: NodeRegistry;
  /** db, storage, auth and queues: the services behind the triggers (origin-api/src/data). */
  data: DataServices;
  /** Fires schedule triggers (origin-api/src/triggers); server.ts starts and stops it. */
  scheduler: Scheduler;
  /** Verifies and queues `POST /webhooks<path>` (origin-api/src/triggers). */
  webhooks: WebhookReceiver;
  /** Signs requests edge nodes forward to each other (FleetPeers.forwardKey, base64url). */
  forwardKey: string;
}

export interface ServiceOptions {
  store: Store;
  masterKey: Buffer;
  dataDir: string;
  log: Logger;
  builder: () => BuildWorkerClient;
  /** Filled in once the server listens (the runner needs the API's own URL). */
  runner: Runner;
  /** BUNBASE_LOG_RETENTION_DAYS (default 7). */
  logRetentionDays?: number;
}

export function createServices(o: ServiceOptions): Services {
  const bus = new RevisionBus(o.store.functions.revision());
  const mutations = new Mutations(o.store, bus);
  const vault = new SecretVault(o.masterKey);
  const variables = new Variables(o.store, vault, mutations);
  const functions = new Functions(o.store, variables, mutations);
  const webhookSecrets = new WebhookSecrets(o.store, vault);
  const tmp = join(o.dataDir, "tmp");
  mkdirSync(tmp, { recursive: true });
  const prometheus = new Prometheus();
  prometheus.revision.set(bus.revision);
  bus.on("revision", (r) => prometheus.revision.set(r));
  const invoker = new Invoker(o.store, o.runner, prometheus);
  const logs = new LogFeed(o.store);
  // The engine's lines for a function (a trigger loop stopped) reach `logs --follow` too.
  const events = new EventEngine({ store: o.store, invoker, log: o.log, functionLog: (r) => logs.record(r) });
  return {
    store: o.store,
    log: o.log,
    keys: new ApiKeys(o.store),
    bus,
    variables,
    functions,
    deployer: new Deployer(
      o.store,
      functions,
      mutations,
      o.builder,
      tmp,
      o.log,
      new ArtifactStore(join(o.dataDir, "artifacts")),
    ),
    logs,
    runner: o.runner,
    invoker,
    asyncInvocations: new AsyncInvocations(events),
    events,
    prometheus,
    inFlight: new InFlightBoard(),
    retention: new TelemetryRetention({ store: o.store, log: o.log, logRetentionDays: o.logRetentionDays }),
    nodes: new NodeRegistry(o.store, bus),
    // Every producer hands its events to the delivery engine, in the transaction of its change.
    data: new DataServices({ store: o.store, events, masterKey: o.masterKey, dataDir: o.dataDir }),
    scheduler: new Scheduler({ store: o.store, events, log: o.log, bus }),
    webhooks: new WebhookReceiver({
      store: o.store,
      events,
      log: o.log,
      resolveSecret: (fn, value) => webhookSecrets.resolve(fn, value),
    }),
    forwardKey: forwardKey(o.masterKey),
  };
}

/**
 * The fleet's forwarding key: derived from the master key (HKDF, RFC 5869) rather than
 * stored, so it is stable across origin restarts and never opens the secrets it sits beside.
 */
function forwardKey(masterKey: Buffer): string {
  return Buffer.from(hkdfSync("sha256", masterKey, "", "bunbase edge forwarding v1", 32)).toString("base64url");
}

export { Runner } from "./runner.ts";
export { ApiKeys } from "./api-keys.ts";
export { loadMasterKey, MasterKeyError } from "./master-key.ts";
