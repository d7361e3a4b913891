/**
 * Keeps this node's copy of the origin's config: fetches the snapshot, then listens to
 * the origin's push stream (`/internal/stream`) and refetches when the revision grows.
 * When the origin is away the node keeps serving the last snapshot and reconnects with
 * backoff.
 */
import { EventEmitter } from "node:events";
import { readSse, type EdgeSnapshot, type FleetPeers, type Logger } from "../../../core/index.ts";

export interface OriginSyncOptions {
  apiUrl: string;
  apiKey: string;
  log: Logger;
  /**
   * Runs before a new snapshot is applied (e.g. fetching its bundles), so that once this
   * node reports a revision its functions are ready to run; bounded by PREPARE_MS.
   */
  prepare?: (snapshot: EdgeSnapshot) => Promise<void>;
}

/**
 * Longest wait between attempts to reach the origin: a returning origin is noticed within
 * about a second, so deploys made right after it restarts reach the fleet in time.
 */
const RECONNECT_MAX_MS = 1000;
/** How long a snapshot waits for prepare() before it is applied anyway. */
const PREPARE_MS = 10_000;

export class OriginSync extends EventEmitter<{ snapshot: [EdgeSnapshot]; peers: [FleetPeers] }> {
  snapshot: EdgeSnapshot = { revision: 0, functions: [] };
  /** The fleet's live nodes and forwarding key (the stream's `peers` event); null until the first. */
  peers: FleetPeers | null = null;
  private readonly abort = new AbortController();
  private closed = false;
  private refreshing: Promise<void> | undefined;
  private wantRevision = 0;

  constructor(private readonly options: OriginSyncOptions) {
    super();
  }

  /** Resolves once the first snapshot is in; keeps the stream open in the background. */
  async start(): Promise<void> {
    const first = new Promise<void>((resolve) => this.once("snapshot", () => resolve()));
    void this.streamLoop();
    await first;
  }

  close(): void {
    this.closed = true;
    this.abort.abort();
  }

  private headers(): Record<string, string> {
    return { authorization: `Bearer ${this.options.apiKey}` };
  }

  private async streamLoop(): Promise<void> {
    let delay = 100;
    while (!this.closed) {
      try {
        const res = await fetch(new URL("/internal/stream", this.options.apiUrl), {
          headers: { ...this.headers(), accept: "text/event-stream" },
          signal: this.abort.signal,
        });
        if (!res.ok || !res.body) throw new Error(`stream answered ${res.status}`);
        delay = 100;
        for await (const event of readSse(res.body)) {
          if (event.event === "peers") {
            this.peers = JSON.parse(event.data) as FleetPeers;
            this.emit("peers", this.peers);
            continue;
          }
          if (event.event !== "revision") continue;
          const { revision } = JSON.parse(event.data) as { revision: number };
          if (revision > this.snapshot.revision || this.snapshot.revision === 0) await this.refresh(revision);
        }
        throw new Error("stream ended");
      } catch (err) {
        if (this.closed) return;
        this.options.log.warn({ err: String(err), retryMs: delay }, "origin stream lost; serving the last config");
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, RECONNECT_MAX_MS);
      }
    }
  }

  /** Fetches the snapshot; concurrent calls share one request and the newest wins. */
  private async refresh(revision: number): Promise<void> {
    this.wantRevision = Math.max(this.wantRevision, revision);
    while (this.refreshing) await this.refreshing;
    if (this.snapshot.revision >= this.wantRevision && this.snapshot.revision !== 0) return;
    this.refreshing = this.fetchSnapshot().finally(() => (this.refreshing = undefined));
    await this.refreshing;
  }

  /** A failing or slow prepare() only costs time: the snapshot is applied regardless. */
  private async prepare(snapshot: EdgeSnapshot): Promise<void> {
    if (this.options.prepare === undefined) return;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, PREPARE_MS)));
    try {
      await Promise.race([this.options.prepare(snapshot), late]);
    } catch (err) {
      this.options.log.warn({ err: String(err), revision: snapshot.revision }, "preparing the config failed");
    } finally {
      clearTimeout(timer);
    }
  }

  private async fetchSnapshot(): Promise<void> {
    const res = await fetch(new URL("/internal/snapshot", this.options.apiUrl), {
      headers: this.headers(),
      signal: this.abort.signal,
    });
    if (!res.ok) throw new Error(`snapshot answered ${res.status}`);
    const snapshot = (await res.json()) as EdgeSnapshot;
    if (snapshot.revision < this.snapshot.revision) return;
    await this.prepare(snapshot);
    if (snapshot.revision < this.snapshot.revision) return;
    this.snapshot = snapshot;
    this.options.log.info({ revision: snapshot.revision, functions: snapshot.functions.length }, "config updated");
    this.emit("snapshot", snapshot);
  }
}
