/**
 * What a new config snapshot changes for this process's warm instances. The pool keeps
 * the versions some environment points to and drops the rest; a function's
 * `scaling.minInstances` instance is loaded again only when something it depends on
 * changed since the last snapshot applied here (its active version, that version's env,
 * the scaling config, the memory size), so a revision that touched another function
 * costs nothing; a function that left the snapshot, or whose minInstances went to 0, is
 * let go.
 */
import type { ActiveVersion, EdgeFunction, EdgeSnapshot } from "../../../core/index.ts";

/** A function's version as prewarm() loads it. */
export interface WarmTarget {
  fn: EdgeFunction;
  active: ActiveVersion;
}

export interface WarmPlan {
  /** Per function of the snapshot, the versions still in use: the pool drops its others. */
  keep: Map<string, Set<number>>;
  /** Functions gone from the snapshot: all their instances go. */
  removed: string[];
  /** Load and pin: minInstances > 0 and something it depends on changed. */
  prewarm: WarmTarget[];
  /** Unpin: minInstances went to 0, or another version took over while this one is still in use. */
  release: WarmTarget[];
}

interface Applied extends WarmTarget {
  fingerprint: string;
  pinned: boolean;
}

export class WarmPlanner {
  /** What the last applied snapshot asked of each function. */
  readonly #applied = new Map<string, Applied>();

  plan(snapshot: EdgeSnapshot): WarmPlan {
    const plan: WarmPlan = { keep: new Map(), removed: [], prewarm: [], release: [] };
    for (const fn of snapshot.functions) {
      const keep = versionsInUse(fn);
      plan.keep.set(fn.id, keep);
      const before = this.#applied.get(fn.id);
      const now = applied(fn);
      if (now?.fingerprint === before?.fingerprint) continue;
      if (before?.pinned && keep.has(before.active.version)) {
        // Still loaded (staging, say): unpin unless the new prewarm below takes it over.
        if (!now?.pinned || now.active.version !== before.active.version) plan.release.push(target(before));
      }
      if (now?.pinned) plan.prewarm.push(target(now));
      if (now) this.#applied.set(fn.id, now);
      else this.#applied.delete(fn.id);
    }
    for (const id of this.#applied.keys()) {
      if (plan.keep.has(id)) continue;
      plan.removed.push(id);
      this.#applied.delete(id);
    }
    return plan;
  }

  /** A prewarm failed: the next snapshot tries it again, changed or not. */
  failed(functionId: string): void {
    this.#applied.delete(functionId);
  }
}

/** The versions any environment of the function points to. (Snapshots carry no pinned deployments.) */
export function versionsInUse(fn: EdgeFunction): Set<number> {
  const versions = new Set(Object.values(fn.versions).map((active) => active.version));
  // A/B variants that pin a version run it too: their warm instances stay.
  for (const pinned of fn.pinnedVersions ?? []) versions.add(pinned.version);
  return versions;
}

/** The version kept warm for the function: prod's, else staging's. */
function applied(fn: EdgeFunction): Applied | undefined {
  const active = fn.versions.prod ?? fn.versions.staging;
  if (!active) return undefined;
  const env = Object.entries(active.env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const { version, bundleHash, exportName } = active;
  const { scaling, memory } = fn.config;
  const fingerprint = JSON.stringify([version, bundleHash, exportName, env, scaling ?? null, memory ?? null]);
  return { fn, active, fingerprint, pinned: (scaling?.minInstances ?? 0) > 0 };
}

function target(applied: Applied): WarmTarget {
  return { fn: applied.fn, active: applied.active };
}
