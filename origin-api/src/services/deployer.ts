/**
 * Deploys: build the upload in the build worker (a child process: user code never runs
 * here), store the bundle by its hash, insert the next immutable version and activate it,
 * all or nothing. Also rollback. A failed build leaves the active version alone.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { hashBundle, isEdgeRunnable, type BuildWorkerClient, type FunctionConfig } from "../../../bundler/index.ts";
import { BunbaseError, invalid, type Environment, type Logger } from "../../../core/index.ts";
import type { FunctionRow, Store, VersionRow } from "../store/index.ts";
import { hasConfigFile, materialize, type DeploySource } from "./deploy-sources.ts";
import type { Functions } from "./functions.ts";
import type { Mutations } from "./mutations.ts";

export interface DeployOptions {
  environment: Environment;
  message: string | null;
}

export interface Deployment {
  version: number;
  status: "ready";
  bundleHash: string;
  sizeBytes: number;
  environment: Environment;
  createdAt: string;
  warnings: string[];
}

interface Built {
  code: string;
  map?: string;
  exportName: string;
  bundleHash: string;
  warnings: string[];
  /** The config the upload shipped, which replaces the stored one. */
  newConfig?: FunctionConfig;
}

export class Deployer {
  constructor(
    private readonly store: Store,
    private readonly functions: Functions,
    private readonly mutations: Mutations,
    private readonly builder: () => BuildWorkerClient,
    private readonly tmpRoot: string,
    private readonly log: Logger,
  ) {}

  async deploy(fn: FunctionRow, source: DeploySource, options: DeployOptions): Promise<Deployment> {
    const built = source.kind === "bundle" ? this.prebuilt(fn, source, options) : await this.build(fn, source, options);
    const config = built.newConfig ?? (fn.config as unknown as FunctionConfig);
    assertEdgeRunnable(config);
    const bundleHash = normalizeHash(built.bundleHash);
    await this.store.bundles.write(bundleHash, built.code, built.map);
    const version = this.mutations.commit(() => {
      if (built.newConfig) this.store.functions.update(fn.id, fn.name, built.newConfig);
      const row = this.store.versions.insert({
        functionId: fn.id,
        bundleHash,
        exportName: built.exportName,
        sizeBytes: Buffer.byteLength(built.code),
        config,
        environment: options.environment,
        message: options.message,
        warnings: built.warnings,
      });
      const current = this.store.versions.activeRow(fn.id, options.environment);
      this.store.versions.activate(fn.id, options.environment, row.version, current?.version ?? null);
      return row;
    });
    this.log.info(
      { function: fn.name, version: version.version, environment: options.environment, bundleHash },
      "deployed",
    );
    return deploymentOf(version);
  }

  rollback(fn: FunctionRow, target: number | undefined, environment: Environment): void {
    const current = this.store.versions.activeRow(fn.id, environment);
    if (target !== undefined && !this.store.versions.get(fn.id, target)) {
      throw invalid("version", `function ${fn.name} has no version ${target}`);
    }
    const to = target ?? current?.previous ?? undefined;
    if (to === undefined || to === null) throw invalid("version", `nothing to roll back to in ${environment}`);
    if (current?.version === to) return;
    this.mutations.commit(() => this.store.versions.activate(fn.id, environment, to, current?.version ?? null));
    this.log.info({ function: fn.name, version: to, environment }, "rolled back");
  }

  private prebuilt(fn: FunctionRow, source: Extract<DeploySource, { kind: "bundle" }>, options: DeployOptions): Built {
    const newConfig = source.config
      ? this.functions.validate({ ...source.config, name: fn.name }, fn.id, options.environment).config
      : undefined;
    const { code, map, exportName } = source.bundle;
    return { code, map, exportName, bundleHash: hashBundle(code), warnings: [], newConfig };
  }

  private async build(
    fn: FunctionRow,
    source: Exclude<DeploySource, { kind: "bundle" }>,
    options: DeployOptions,
  ): Promise<Built> {
    const tmp = await mkdtemp(join(this.tmpRoot, "build-"));
    try {
      const dir = await materialize(source, join(tmp, "src"));
      if (!hasConfigFile(dir)) assertEdgeRunnable(fn.config as unknown as FunctionConfig);
      const result = await this.builder().build({ dir, storedConfig: fn.config as unknown as FunctionConfig });
      const newConfig = result.configFromUpload
        ? this.functions.validate(
            { ...(result.config as unknown as Record<string, unknown>), name: fn.name },
            fn.id,
            options.environment,
          ).config
        : undefined;
      const { code, map, exportName, bundleHash, warnings } = result.build;
      return { code, map, exportName, bundleHash, warnings, newConfig };
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }
}

/** JS/TS runs in edge isolates; everything else needs origin workers, which this node lacks. */
function assertEdgeRunnable(config: FunctionConfig): void {
  if (isEdgeRunnable(config)) return;
  const c = config as unknown as { runtime?: string; placement?: string };
  const what = c.placement === "origin" ? `placement "origin" (runtime ${c.runtime})` : `runtime ${c.runtime}`;
  throw new BunbaseError("FN_005", `${what} needs origin workers, which are not available on this node yet`, {
    details: { runtime: c.runtime, placement: c.placement },
  });
}

function normalizeHash(hash: string): string {
  return hash.startsWith("sha256:") ? hash : `sha256:${hash}`;
}

export function deploymentOf(v: VersionRow): Deployment {
  return {
    version: v.version,
    status: "ready",
    bundleHash: v.bundleHash,
    sizeBytes: v.sizeBytes,
    environment: v.environment,
    createdAt: v.createdAt,
    warnings: v.warnings,
  };
}
