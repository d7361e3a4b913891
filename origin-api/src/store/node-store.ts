/** The edge nodes that reported to this origin (services/node-registry.ts decides their health). */
import type { NodeReport } from "../../../core/index.ts";
import type { Db } from "./database.ts";

export interface NodeRow extends NodeReport {
  name: string;
  /** Epoch ms of the node's last report, by the origin's clock. */
  lastSeenMs: number;
}

interface RawNode {
  name: string;
  region: string;
  url: string;
  revision: number;
  workers: number;
  started_at: string;
  last_seen_ms: number;
}

const toRow = (r: RawNode): NodeRow => ({
  name: r.name,
  region: r.region,
  url: r.url,
  revision: r.revision,
  workers: r.workers,
  startedAt: r.started_at,
  lastSeenMs: r.last_seen_ms,
});

export class NodeStore {
  constructor(private readonly db: Db) {}

  upsert(row: NodeRow): void {
    this.db
      .prepare(
        `INSERT INTO edge_nodes (name, region, url, revision, workers, started_at, last_seen_ms)
         VALUES (@name, @region, @url, @revision, @workers, @startedAt, @lastSeenMs)
         ON CONFLICT (name) DO UPDATE SET region = excluded.region, url = excluded.url,
           revision = excluded.revision, workers = excluded.workers,
           started_at = excluded.started_at, last_seen_ms = excluded.last_seen_ms`,
      )
      .run(row);
  }

  list(): NodeRow[] {
    return (this.db.prepare("SELECT * FROM edge_nodes ORDER BY region, name").all() as RawNode[]).map(toRow);
  }

  /** Forgets the nodes not seen since `cutoffMs`; returns how many. */
  dropSeenBefore(cutoffMs: number): number {
    return this.db.prepare("DELETE FROM edge_nodes WHERE last_seen_ms < ?").run(cutoffMs).changes;
  }
}
