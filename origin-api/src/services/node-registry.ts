/**
 * The fleet of edge nodes as the origin sees it. Each node reports every few seconds
 * (`PUT /internal/nodes/:name`, edge-node/src/server/node-registration.ts); one that
 * stops is shown `stale` after NODE_STALE_MS and forgotten after NODE_DROP_MS.
 */
import { EventEmitter } from "node:events";
import { z } from "zod";
import {
  NODE_NAME_PATTERN,
  REGION_PATTERN,
  invalid,
  type FleetPeer,
  type NodeReport,
  type NodeReportAck,
} from "../../../core/index.ts";
import type { NodeRow, Store } from "../store/index.ts";
import { parseBody } from "./parse-body.ts";
import type { RevisionBus } from "./revision-bus.ts";

/** Three missed reports (nodes report every 5 s): the node is shown `stale`. */
export const NODE_STALE_MS = 15_000;
/** A node silent this long is dropped from the list (it reappears when it reports again). */
export const NODE_DROP_MS = 10 * 60_000;
/** While someone follows the peers, how often a node going stale is looked for. */
const PEER_CHECK_MS = 1_000;

/**
 * `healthy`: reporting and holding the current config; `syncing`: reporting but on an
 * older revision (for a moment after every change, longer if it cannot fetch);
 * `stale`: no report within NODE_STALE_MS (down, or cut off from the origin).
 */
export type NodeHealth = "healthy" | "syncing" | "stale";

export interface NodeView {
  name: string;
  region: string;
  url: string;
  revision: number;
  /** How many revisions the node is behind the origin's current one (0: up to date). */
  behind: number;
  health: NodeHealth;
  workers: number;
  startedAt: string;
  lastSeen: string;
  /** Seconds between the node's start and its last report. */
  uptimeSeconds: number;
}

export interface NodeList {
  /** The origin's current config revision. */
  revision: number;
  nodes: NodeView[];
}

const report = z.object({
  region: z.string().regex(REGION_PATTERN, "letters, digits, '.', '_' or '-' (at most 64)"),
  url: z
    .string()
    .max(2048)
    .refine((u) => URL.canParse(u) && /^https?:$/.test(new URL(u).protocol), "an http(s) URL"),
  revision: z.number().int().nonnegative(),
  startedAt: z.string().refine((t) => !Number.isNaN(Date.parse(t)), "an ISO 8601 time"),
  workers: z.number().int().min(1).max(1024),
});

export interface NodeRegistryOptions {
  staleMs?: number;
  dropMs?: number;
  /** The clock (tests move it). */
  now?: () => number;
}

export class NodeRegistry {
  private readonly staleMs: number;
  private readonly dropMs: number;
  private readonly now: () => number;
  /** Announces the live nodes (peers()) when they change, for the push stream. */
  private readonly peerChanges = new EventEmitter<{ peers: [FleetPeer[]] }>().setMaxListeners(0);
  private lastPeers = "";
  private peerTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Store,
    private readonly bus: RevisionBus,
    options: NodeRegistryOptions = {},
  ) {
    this.staleMs = options.staleMs ?? NODE_STALE_MS;
    this.dropMs = options.dropMs ?? NODE_DROP_MS;
    this.now = options.now ?? Date.now;
  }

  /**
   * The nodes other nodes may forward to: every node that reported within the stale
   * window, `healthy` or `syncing` alike (a syncing node serves, on a config a moment
   * old: counting only `healthy` ones would switch forwarding off fleet-wide at every
   * deploy, until each node reports the new revision).
   */
  peers(): FleetPeer[] {
    const since = this.now() - this.staleMs;
    return this.store.nodes
      .list()
      .filter((row) => row.lastSeenMs >= since)
      .map((row) => ({ name: row.name, region: row.region, url: row.url }));
  }

  /**
   * Calls `listener` whenever peers() changes: a node appears, moves, or goes stale.
   * Reports are checked as they come; staleness once a second while anyone listens.
   * Returns the unsubscribe function.
   */
  onPeers(listener: (peers: FleetPeer[]) => void): () => void {
    this.peerChanges.on("peers", listener);
    if (this.peerTimer === undefined) {
      this.lastPeers = JSON.stringify(this.peers());
      this.peerTimer = setInterval(() => this.checkPeers(), PEER_CHECK_MS).unref();
    }
    return () => {
      this.peerChanges.off("peers", listener);
      if (this.peerChanges.listenerCount("peers") > 0) return;
      clearInterval(this.peerTimer);
      this.peerTimer = undefined;
    };
  }

  private checkPeers(): void {
    if (this.peerTimer === undefined) return;
    const peers = this.peers();
    const text = JSON.stringify(peers);
    if (text === this.lastPeers) return;
    this.lastPeers = text;
    this.peerChanges.emit("peers", peers);
  }

  /** Records a node's report; answers with the origin's revision. */
  report(name: string, body: unknown): NodeReportAck {
    if (!NODE_NAME_PATTERN.test(name)) throw invalid("name", "letters, digits, '.', '_' or '-' (at most 128)");
    const r: NodeReport = parseBody(report, body);
    const now = this.now();
    this.store.nodes.upsert({ ...r, startedAt: new Date(r.startedAt).toISOString(), name, lastSeenMs: now });
    this.store.nodes.dropSeenBefore(now - this.dropMs);
    this.checkPeers();
    return { revision: this.bus.revision };
  }

  list(): NodeList {
    const now = this.now();
    this.store.nodes.dropSeenBefore(now - this.dropMs);
    const revision = this.bus.revision;
    return { revision, nodes: this.store.nodes.list().map((row) => this.view(row, revision, now)) };
  }

  private view(row: NodeRow, revision: number, now: number): NodeView {
    const behind = Math.max(0, revision - row.revision);
    const health: NodeHealth = now - row.lastSeenMs > this.staleMs ? "stale" : behind > 0 ? "syncing" : "healthy";
    const startedMs = Date.parse(row.startedAt);
    return {
      name: row.name,
      region: row.region,
      url: row.url,
      revision: row.revision,
      behind,
      health,
      workers: row.workers,
      startedAt: row.startedAt,
      lastSeen: new Date(row.lastSeenMs).toISOString(),
      uptimeSeconds: Math.max(0, Math.round((row.lastSeenMs - startedMs) / 1000)),
    };
  }
}
