/**
 * The runner's origin workers: the edge node's OriginWorkers seam (edge-node/index.ts)
 * served by the container pool. Follows every applied config: versions with
 * `scaling.minInstances` keep that many containers, versions no environment uses any
 * more stop theirs.
 */
import type { OriginWorkers, Target } from "../../../edge-node/index.ts";
import type { EdgeFunction, EdgeSnapshot } from "../../../core/index.ts";
import type { ContainerPool, WorkerSource } from "./pool/container-pool.ts";

export class RunnerWorkers implements OriginWorkers {
  private readonly known = new Set<string>();

  constructor(
    private readonly pool: ContainerPool,
    private readonly onClose: () => Promise<void>,
  ) {}

  invokeHttp: OriginWorkers["invokeHttp"] = async (target, input) => {
    const url = new URL(input.url);
    return this.pool.invokeHttp(sourceOf(target), {
      invocationId: input.invocationId,
      method: input.method,
      path: url.pathname + url.search,
      headers: input.headers,
      body: input.body,
    });
  };

  invokeEvent: OriginWorkers["invokeEvent"] = async (target, input) =>
    this.pool.invokeEvent(sourceOf(target), {
      invocationId: input.invocationId,
      event: input.event,
      ...(input.handler ? { handler: input.handler } : {}),
    });

  apply(snapshot: EdgeSnapshot): void {
    const present = new Set<string>();
    for (const fn of snapshot.functions) {
      const actives = Object.values(fn.versions).filter((v) => v?.placement === "origin");
      const pinned = (fn.pinnedVersions ?? []).filter((v) => v.placement === "origin");
      if (actives.length === 0 && pinned.length === 0) continue;
      present.add(fn.id);
      this.known.add(fn.id);
      const versions = new Set<number>();
      for (const active of actives) {
        if (!active) continue;
        versions.add(active.version);
        if ((fn.config.scaling?.minInstances ?? 0) > 0) this.pool.prewarm(sourceOf({ fn, active }));
      }
      for (const p of pinned) versions.add(p.version);
      this.pool.evict(fn.id, versions);
    }
    for (const id of this.known) {
      if (present.has(id)) continue;
      this.known.delete(id);
      this.pool.evict(id);
    }
  }

  stats(): object {
    return this.pool.stats();
  }

  async close(): Promise<void> {
    await this.pool.close();
    await this.onClose();
  }
}

function sourceOf(target: { fn: EdgeFunction; active: Target["active"] }): WorkerSource {
  return {
    functionId: target.fn.id,
    name: target.fn.name,
    version: target.active.version,
    artifactHash: target.active.bundleHash,
    env: target.active.env,
    config: target.fn.config,
  };
}
