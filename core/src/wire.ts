/**
 * What travels between the origin API and its edge nodes / runners. Internal routes
 * (`/internal/*` on the origin, `/__bunbase/*` on an edge node) speak these shapes only.
 */
import type { EdgeConfig, FunctionConfig } from "../../bundler/index.ts";
import type { InvocationStats } from "./invocation-stats.ts";

export type Environment = "prod" | "staging";
export const ENVIRONMENTS: readonly Environment[] = ["prod", "staging"];

export type LogLevel = "debug" | "info" | "warn" | "error";
export const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];

/** Longest log message the origin stores (characters); edges cut longer ones before shipping. */
export const MAX_LOG_MESSAGE_CHARS = 64 * 1024;

/** One deployed version as an edge node needs it to run. */
export interface ActiveVersion {
  version: number;
  /** `sha256:<hex>` of the bundle; the bundle is fetched by this name and cached on disk. */
  bundleHash: string;
  /** The export the bundle's entry module offers the handler under (`default`, `handler`, ...). */
  exportName: string;
  /** Variables of this environment, secrets already decrypted and `${secrets.X}` resolved. */
  env: Record<string, string>;
  /**
   * The function's `edge` rules with `${secrets.X}` resolved from this environment's
   * secrets (e.g. a staging JWT secret); the edge prefers it to `config.edge`.
   */
  edge?: EdgeConfig;
  /**
   * "origin": this version runs in origin workers (containers), not in edge isolates (its
   * runtime or placement said so when it was deployed): edge nodes apply the edge rules and
   * forward the request to the origin; `bundleHash` names its artifact. Absent: an isolate.
   */
  placement?: "origin";
}

/** A version an `edge.abTests` variant pins, so an edge node can run it beside the active one. */
export interface PinnedVersion {
  version: number;
  bundleHash: string;
  exportName: string;
  placement?: "origin";
}

export interface EdgeFunction {
  id: string;
  name: string;
  /** The function's current config (limits, triggers, edge rules apply live). */
  config: FunctionConfig;
  versions: Partial<Record<Environment, ActiveVersion>>;
  /** The versions A/B variants pin (`edge.abTests[].variants[].version`) that exist and are ready. */
  pinnedVersions?: PinnedVersion[];
}

/** The full routing/config state; `revision` grows with every change on the origin. */
export interface EdgeSnapshot {
  revision: number;
  functions: EdgeFunction[];
}

export type InvocationTrigger = "http" | "invoke" | "event";

export interface InvocationRecord {
  id: string;
  functionId: string;
  version: number;
  environment: Environment;
  trigger: InvocationTrigger;
  /** Epoch ms when the request reached the node. */
  startedAt: number;
  durationMs: number;
  status: number;
  /** FN_00x when the invocation failed. */
  errorCode?: string;
  coldStart: boolean;
  cpuMs?: number;
  memoryMb?: number;
}

export interface LogRecord {
  /** ISO 8601 */
  time: string;
  level: LogLevel;
  message: string;
  invocationId: string;
  functionId: string;
  version: number;
  fields?: Record<string, unknown>;
}

export interface TelemetryBatch {
  node: string;
  /**
   * The process of the node that sent the batch (a clustered node has one shipper per
   * worker): in-flight counts and concurrency peaks are kept per sender and added up.
   */
  sender?: string;
  /** Individual records, for invocations reported one by one (the origin's own, older nodes). */
  invocations: InvocationRecord[];
  /** Aggregates of the invocations the sender finished since its last accepted batch. */
  stats?: InvocationStats[];
  /** The sender's invocations in flight now, by function id (functions with none left out). */
  inFlight?: Record<string, number>;
  logs: LogRecord[];
}

/** Headers on the internal invoke route of an edge node / runner (`POST /__bunbase/invoke`). */
export const INTERNAL_HEADERS = {
  token: "x-bunbase-internal-token",
  functionId: "x-bunbase-function",
  environment: "x-bunbase-environment",
  /** A pinned version (`invoke?version=n`): its number, bundle hash and export name. */
  version: "x-bunbase-pin-version",
  bundleHash: "x-bunbase-pin-bundle-hash",
  exportName: "x-bunbase-pin-export-name",
  /** The origin's revision at the time of the call: the node first waits until it holds at least this config. */
  revision: "x-bunbase-revision",
  invocationId: "x-bunbase-invocation-id",
  eventType: "x-bunbase-event-type",
  /** `invoke` (HTTP shape through the API) or `event`; recorded as the invocation's trigger. */
  trigger: "x-bunbase-trigger",
  /** The query string of the API's invoke call minus its own parameters, e.g. `?page=2`. */
  query: "x-bunbase-original-query",
  /** A trigger's own handler (`handler` of the trigger): the export an event invocation calls. */
  handler: "x-bunbase-handler",
  /** A pinned version's placement ("origin" for origin workers). */
  placement: "x-bunbase-pin-placement",
} as const;

/** Headers every invocation response carries (contract 2.3). */
export const RESPONSE_HEADERS = {
  invocationId: "x-bunbase-invocation-id",
  version: "x-bunbase-version",
  coldStart: "x-bunbase-cold-start",
  serverTiming: "server-timing",
} as const;

/**
 * What an edge node reports about itself (`PUT /internal/nodes/:name`), every few seconds
 * and whenever the config revision it holds changes: one report per node (its cluster
 * supervisor, or the single process), never per worker.
 */
export interface NodeReport {
  /** `BUNBASE_REGION`, `local` when unset. */
  region: string;
  /** Where clients reach the node: `BUNBASE_PUBLIC_URL`, else the address it listens on. */
  url: string;
  /** The config revision every worker of the node holds. */
  revision: number;
  /** ISO 8601: when the node's process (the supervisor in a cluster) started. */
  startedAt: string;
  /** Worker processes serving requests. */
  workers: number;
}

/** The origin's answer to a NodeReport. */
export interface NodeReportAck {
  /** The origin's current config revision. */
  revision: number;
}

/** A live edge node, as other nodes learn of it to forward requests there (`edge.geo[].region`). */
export interface FleetPeer {
  name: string;
  region: string;
  /** The URL the node reported (`BUNBASE_PUBLIC_URL`, else where it listens). */
  url: string;
}

/**
 * The `peers` event of the origin's push stream (`/internal/stream`): sent when a node
 * connects and whenever the set of live nodes changes. `forwardKey` (base64url, derived
 * from the origin's master key) signs requests one node forwards to another, so the
 * receiver can believe the client address and the loop guard they carry.
 */
export interface FleetPeers {
  nodes: FleetPeer[];
  forwardKey: string;
}

/** What a node name (`BUNBASE_NODE_NAME`) may be: it is a path segment of the report. */
export const NODE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
/** What a region name (`BUNBASE_REGION`) may be. */
export const REGION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
