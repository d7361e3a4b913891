/**
 * The EdgeSnapshot edge nodes and the runner run from: every function with an active
 * version; versions not runnable in an isolate are marked `placement: "origin"` (edge
 * nodes forward them, the runner runs them in containers).
 */
import { isEdgeRunnable, type EdgeConfig, type FunctionConfig } from "../../../bundler/index.ts";
import type { ActiveVersion, EdgeFunction, EdgeSnapshot, Environment, PinnedVersion } from "../../../core/index.ts";
import type { Store } from "../store/index.ts";
import type { Variables } from "./variables.ts";

export function buildSnapshot(store: Store, variables: Variables): EdgeSnapshot {
  // One read transaction: the revision matches the rows it describes.
  return store.tx(() => {
    const revision = store.functions.revision();
    const functions: EdgeFunction[] = [];
    for (const fn of store.functions.list()) {
      const config = fn.config as unknown as FunctionConfig;
      const versions: Partial<Record<Environment, ActiveVersion>> = {};
      for (const [environment, number] of Object.entries(store.versions.active(fn.id)) as [Environment, number][]) {
        const v = store.versions.get(fn.id, number);
        if (!v) continue;
        const active: ActiveVersion = {
          version: v.version,
          bundleHash: v.bundleHash,
          exportName: v.exportName,
          env: variables.resolve(fn, environment),
        };
        if (runsOnOrigin(v.config)) active.placement = "origin";
        // The edge rules with this environment's secrets (a staging JWT secret for staging).
        if (config.edge !== undefined) active.edge = variables.resolveEdge(fn, environment) as EdgeConfig;
        versions[environment] = active;
      }
      if (Object.keys(versions).length === 0) continue;
      const edge = variables.resolveEdge(fn);
      const liveConfig = (edge === undefined ? config : { ...config, edge }) as FunctionConfig;
      const entry: EdgeFunction = { id: fn.id, name: fn.name, config: liveConfig, versions };
      const pinned = pinnedVersions(store, fn.id, config);
      if (pinned.length > 0) entry.pinnedVersions = pinned;
      functions.push(entry);
    }
    return { revision, functions };
  });
}

/** Where a version runs is fixed when it is built: by the config it was deployed with. */
export function runsOnOrigin(config: Record<string, unknown>): boolean {
  return !isEdgeRunnable(config as unknown as FunctionConfig);
}

/** The versions `edge.abTests` variants pin, as far as they exist and built. */
function pinnedVersions(store: Store, functionId: string, config: FunctionConfig): PinnedVersion[] {
  const wanted = new Set<number>();
  for (const test of config.edge?.abTests ?? []) {
    for (const variant of test.variants) if (variant.version !== undefined) wanted.add(variant.version);
  }
  const pinned: PinnedVersion[] = [];
  for (const version of wanted) {
    const v = store.versions.get(functionId, version);
    if (!v || v.status !== "ready") continue;
    const entry: PinnedVersion = { version, bundleHash: v.bundleHash, exportName: v.exportName };
    if (runsOnOrigin(v.config)) entry.placement = "origin";
    pinned.push(entry);
  }
  return pinned;
}
