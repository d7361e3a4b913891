/**
 * "Does this node hold config revision n?" In a cluster worker the answer is the whole
 * node's (every worker, via the primary): a client that waited for revision n must not
 * then reach a sibling that still serves n-1. Outside a cluster it is this process's.
 */
import { EventEmitter } from "node:events";
import type { OriginSync } from "./origin-sync.ts";
import { isClusterWorker, type ToPrimary, type ToWorker } from "./cluster-messages.ts";

/**
 * Outside a cluster, what a worker would tell its primary (`listening`, `revision`) is
 * emitted here instead, so a single-process node reports itself to the origin the same
 * way a cluster does (node-registration.ts, wired in main.ts).
 */
export const localNode = new EventEmitter<{ message: [ToPrimary] }>();

export class FleetRevision {
  private readonly pending = new Map<number, (reached: boolean) => void>();
  private nextId = 1;
  private readonly clustered = isClusterWorker();

  constructor(private readonly sync: OriginSync) {
    sync.on("snapshot", (snapshot) => this.tell({ type: "revision", revision: snapshot.revision }));
    if (!this.clustered) return;
    process.on("message", (message: ToWorker) => {
      if (message?.type !== "revision-reached") return;
      this.pending.get(message.id)?.(true);
      this.pending.delete(message.id);
    });
  }

  /** Tells the primary this worker listens (it logs the node's one "listening" line). */
  announce(url: string): void {
    this.tell({ type: "listening", url, revision: this.sync.snapshot.revision });
  }

  wait(revision: number, timeoutMs: number): Promise<boolean> {
    return this.clustered ? this.waitFleet(revision, timeoutMs) : this.waitLocal(revision, timeoutMs);
  }

  private waitFleet(revision: number, timeoutMs: number): Promise<boolean> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve(false);
      }, timeoutMs);
      this.pending.set(id, (reached) => {
        clearTimeout(timer);
        resolve(reached);
      });
      this.tell({ type: "wait-revision", id, revision });
    });
  }

  private waitLocal(revision: number, timeoutMs: number): Promise<boolean> {
    const sync = this.sync;
    if (sync.snapshot.revision >= revision) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        sync.off("snapshot", check);
        resolve(false);
      }, timeoutMs);
      const check = () => {
        if (sync.snapshot.revision < revision) return;
        clearTimeout(timer);
        sync.off("snapshot", check);
        resolve(true);
      };
      sync.on("snapshot", check);
    });
  }

  private tell(message: ToPrimary): void {
    if (this.clustered) process.send?.(message);
    else localNode.emit("message", message);
  }
}
