/** The EdgeSnapshot edge nodes run from: edge-runnable functions with an active version. */
import { isEdgeRunnable, type FunctionConfig } from "../../../bundler/index.ts";
import type { ActiveVersion, EdgeFunction, EdgeSnapshot, Environment } from "../../../core/index.ts";
import type { Store } from "../store/index.ts";
import type { Variables } from "./variables.ts";

export function buildSnapshot(store: Store, variables: Variables): EdgeSnapshot {
  // One read transaction: the revision matches the rows it describes.
  return store.tx(() => {
    const revision = store.functions.revision();
    const functions: EdgeFunction[] = [];
    for (const fn of store.functions.list()) {
      const config = fn.config as unknown as FunctionConfig;
      if (!isEdgeRunnable(config)) continue;
      const versions: Partial<Record<Environment, ActiveVersion>> = {};
      for (const [environment, number] of Object.entries(store.versions.active(fn.id)) as [Environment, number][]) {
        const v = store.versions.get(fn.id, number);
        if (!v) continue;
        versions[environment] = {
          version: v.version,
          bundleHash: v.bundleHash,
          exportName: v.exportName,
          env: variables.resolve(fn, environment),
        };
      }
      if (Object.keys(versions).length === 0) continue;
      const edge = variables.resolveEdge(fn);
      const liveConfig = (edge === undefined ? config : { ...config, edge }) as FunctionConfig;
      functions.push({ id: fn.id, name: fn.name, config: liveConfig, versions });
    }
    return { revision, functions };
  });
}
