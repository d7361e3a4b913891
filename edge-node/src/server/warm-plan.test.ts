import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ActiveVersion, EdgeFunction, EdgeSnapshot } from "../../../core/index.ts";
import { WarmPlanner, type WarmPlan } from "./warm-plan.ts";

const version = (n: number, env: Record<string, string> = {}): ActiveVersion => ({
  version: n,
  bundleHash: `sha256:${n}`,
  exportName: "handler",
  env,
});

function fn(
  id: string,
  versions: EdgeFunction["versions"],
  config: { minInstances?: number; memory?: number } = {},
): EdgeFunction {
  const { minInstances = 0, memory } = config;
  return {
    id,
    name: id,
    config: { memory, scaling: { minInstances } } as EdgeFunction["config"],
    versions,
  };
}

let revision = 0;
const snapshot = (...functions: EdgeFunction[]): EdgeSnapshot => ({ revision: ++revision, functions });

/** The plan as `id@version` strings, for readable assertions. */
function summary(plan: WarmPlan) {
  const name = ({ fn, active }: { fn: EdgeFunction; active: ActiveVersion }) => `${fn.id}@${active.version}`;
  return {
    keep: Object.fromEntries([...plan.keep].map(([id, versions]) => [id, [...versions].sort()])),
    removed: plan.removed,
    prewarm: plan.prewarm.map(name),
    release: plan.release.map(name),
  };
}

describe("WarmPlanner", () => {
  it("keeps every version an environment points to", () => {
    const plan = new WarmPlanner().plan(snapshot(fn("a", { prod: version(3), staging: version(4) })));
    assert.deepEqual(summary(plan).keep, { a: [3, 4] });
  });

  it("prewarms a minInstances function once, not again on a revision that changed another function", () => {
    const planner = new WarmPlanner();
    const warm = fn("warm", { prod: version(1) }, { minInstances: 1 });
    assert.deepEqual(summary(planner.plan(snapshot(warm, fn("other", { prod: version(1) })))).prewarm, ["warm@1"]);
    const next = planner.plan(snapshot(structuredClone(warm), fn("other", { prod: version(2) })));
    assert.deepEqual(summary(next), { keep: { warm: [1], other: [2] }, removed: [], prewarm: [], release: [] });
  });

  it("prewarms again when the active version, its env, the scaling config or the memory size changed", () => {
    const planner = new WarmPlanner();
    planner.plan(snapshot(fn("w", { prod: version(1) }, { minInstances: 1 })));
    const changes = [
      fn("w", { prod: version(2) }, { minInstances: 1 }),
      fn("w", { prod: version(2, { KEY: "v" }) }, { minInstances: 1 }),
      fn("w", { prod: version(2, { KEY: "v" }) }, { minInstances: 2 }),
      fn("w", { prod: version(2, { KEY: "v" }) }, { minInstances: 2, memory: 256 }),
    ];
    for (const changed of changes) assert.deepEqual(summary(planner.plan(snapshot(changed))).prewarm, ["w@2"]);
  });

  it("does not prewarm functions without minInstances", () => {
    const planner = new WarmPlanner();
    assert.deepEqual(summary(planner.plan(snapshot(fn("cold", { prod: version(1) })))).prewarm, []);
    assert.deepEqual(summary(planner.plan(snapshot(fn("cold", { prod: version(2) })))).prewarm, []);
  });

  it("releases a function whose minInstances went to 0", () => {
    const planner = new WarmPlanner();
    planner.plan(snapshot(fn("w", { prod: version(1) }, { minInstances: 1 })));
    const plan = summary(planner.plan(snapshot(fn("w", { prod: version(1) }))));
    assert.deepEqual([plan.prewarm, plan.release], [[], ["w@1"]]);
  });

  it("keeps the versions A/B variants pin warm beside the environments' ones", () => {
    const planner = new WarmPlanner();
    const ab = {
      ...fn("f", { prod: version(5) }),
      pinnedVersions: [{ version: 3, bundleHash: "sha256:3", exportName: "handler" }],
    };
    assert.deepEqual(summary(planner.plan(snapshot(ab))).keep, { f: [3, 5] });
  });

  it("releases the old pinned version when prod moves on but staging still uses it", () => {
    const planner = new WarmPlanner();
    planner.plan(snapshot(fn("w", { prod: version(1), staging: version(1) }, { minInstances: 1 })));
    const plan = summary(
      planner.plan(snapshot(fn("w", { prod: version(2), staging: version(1) }, { minInstances: 1 }))),
    );
    assert.deepEqual([plan.keep, plan.prewarm, plan.release], [{ w: [1, 2] }, ["w@2"], ["w@1"]]);
  });

  it("leaves a version no environment uses to eviction rather than releasing it", () => {
    const planner = new WarmPlanner();
    planner.plan(snapshot(fn("w", { prod: version(1) }, { minInstances: 1 })));
    const plan = summary(planner.plan(snapshot(fn("w", { prod: version(2) }, { minInstances: 1 }))));
    assert.deepEqual([plan.keep, plan.prewarm, plan.release], [{ w: [2] }, ["w@2"], []]);
  });

  it("reports functions that left the snapshot as removed, once", () => {
    const planner = new WarmPlanner();
    planner.plan(snapshot(fn("gone", { prod: version(1) }, { minInstances: 1 }), fn("stays", { prod: version(1) })));
    assert.deepEqual(summary(planner.plan(snapshot(fn("stays", { prod: version(1) })))).removed, ["gone"]);
    assert.deepEqual(summary(planner.plan(snapshot(fn("stays", { prod: version(1) })))).removed, []);
  });

  it("tries a failed prewarm again on the next snapshot", () => {
    const planner = new WarmPlanner();
    const warm = fn("w", { prod: version(1) }, { minInstances: 1 });
    planner.plan(snapshot(warm));
    planner.failed("w");
    assert.deepEqual(summary(planner.plan(snapshot(warm))).prewarm, ["w@1"]);
  });
});
