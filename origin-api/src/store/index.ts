/** The origin's store: one SQLite file plus the bundle files beside it. */
import { join } from "node:path";
import { openDatabase, type Db } from "./database.ts";
import { AsyncStore } from "./async-store.ts";
import { BundleFiles } from "./bundle-files.ts";
import { EnvStore } from "./env-store.ts";
import { FunctionStore } from "./function-store.ts";
import { InvocationStatsStore } from "./invocation-stats-store.ts";
import { KeyStore } from "./key-store.ts";
import { NodeStore } from "./node-store.ts";
import { TelemetryStore } from "./telemetry-store.ts";
import { VersionStore } from "./version-store.ts";

export class Store {
  readonly functions: FunctionStore;
  readonly versions: VersionStore;
  readonly env: EnvStore;
  readonly keys: KeyStore;
  readonly telemetry: TelemetryStore;
  readonly invocationStats: InvocationStatsStore;
  readonly async: AsyncStore;
  readonly nodes: NodeStore;
  readonly bundles: BundleFiles;

  constructor(
    readonly db: Db,
    dataDir: string,
  ) {
    this.functions = new FunctionStore(db);
    this.versions = new VersionStore(db);
    this.env = new EnvStore(db);
    this.keys = new KeyStore(db);
    this.telemetry = new TelemetryStore(db);
    this.invocationStats = new InvocationStatsStore(db);
    this.async = new AsyncStore(db);
    this.nodes = new NodeStore(db);
    this.bundles = new BundleFiles(join(dataDir, "bundles"));
  }

  static open(dataDir: string): Store {
    return new Store(openDatabase(join(dataDir, "bunbase.db")), dataDir);
  }

  /** Runs `fn` in one SQLite transaction. */
  tx<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

export type { Db } from "./database.ts";
export { openDatabase, migrate } from "./database.ts";
export { MIGRATIONS } from "./migrations.ts";
export { BUNDLE_HASH } from "./bundle-files.ts";
export type { FunctionRow } from "./function-store.ts";
export type { VersionRow } from "./version-store.ts";
export type { EnvVarRow, ProjectSecretRow, Sealed } from "./env-store.ts";
export { ROLES, type Role, type ApiKeyRow } from "./key-store.ts";
export type { StoredLog, LogQuery } from "./telemetry-store.ts";
export type { SeriesRow, WindowStats } from "./invocation-stats-store.ts";
export type { AsyncInvocation, AsyncStatus } from "./async-store.ts";
export type { NodeRow } from "./node-store.ts";
