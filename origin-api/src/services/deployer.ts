/**
 * Deploys: load the config and bundle an edge function in the build worker (a child
 * process: user code never runs here), or build an origin function's artifact (runtimes
 * build with their own toolchains in child processes; an image is unpacked), store it by
 * its hash, insert the next immutable version and activate it, all or nothing. Also
 * rollback. A failed build leaves the active version alone.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { promisify } from "node:util";
import { gunzip } from "node:zlib";
import { join } from "node:path";
import {
  hashBundle,
  isEdgeRunnable,
  MAX_EXTRACTED_BYTES,
  type BuildWorkerClient,
  type FunctionConfig,
} from "../../../bundler/index.ts";
import { BunbaseError, invalid, type Environment, type Logger } from "../../../core/index.ts";
import type { FunctionRow, Store, VersionRow } from "../store/index.ts";
import { detectImage } from "../workers/image/detect.ts";
import { ContainerHost } from "../workers/runc/index.ts";
import type { ArtifactStore } from "../workers/artifacts.ts";
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
  /** An edge function's isolate bundle; absent for an origin function (its artifact is stored already). */
  bundle?: { code: string; map?: string };
  exportName: string;
  /** The bundle's or the artifact's `sha256:<hex>`. */
  bundleHash: string;
  sizeBytes: number;
  warnings: string[];
  /** The config the upload shipped, which replaces the stored one. */
  newConfig?: FunctionConfig;
  /** The version's own config when it differs from the function's (auto placement resolved to origin). */
  versionConfig?: FunctionConfig;
}

export class Deployer {
  constructor(
    private readonly store: Store,
    private readonly functions: Functions,
    private readonly mutations: Mutations,
    private readonly builder: () => BuildWorkerClient,
    private readonly tmpRoot: string,
    private readonly log: Logger,
    private readonly artifacts: ArtifactStore,
  ) {}

  async deploy(fn: FunctionRow, source: DeploySource, options: DeployOptions): Promise<Deployment> {
    if (source.kind === "tarball") {
      const tar = source.gzip ? await gunzipped(source.data) : source.data;
      if (tar && (await detectImage(tar))) source = { kind: "image", data: tar };
    }
    const built =
      source.kind === "bundle"
        ? this.prebuilt(fn, source, options)
        : source.kind === "image"
          ? await this.image(fn, source.data)
          : await this.build(fn, source, options);
    const config = built.newConfig ?? (fn.config as unknown as FunctionConfig);
    const bundleHash = normalizeHash(built.bundleHash);
    if (built.bundle) await this.store.bundles.write(bundleHash, built.bundle.code, built.bundle.map);
    const version = this.mutations.commit(() => {
      if (built.newConfig) this.store.functions.update(fn.id, fn.name, built.newConfig);
      const row = this.store.versions.insert({
        functionId: fn.id,
        bundleHash,
        exportName: built.exportName,
        sizeBytes: built.sizeBytes,
        config: built.versionConfig ?? config,
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
    const config = newConfig ?? (fn.config as unknown as FunctionConfig);
    if (!isEdgeRunnable(config)) {
      throw new BunbaseError(
        "FN_005",
        `runtime ${config.runtime} (placement ${config.placement}) runs in origin workers, which build from sources: upload the function folder, not a bundle`,
        { details: { runtime: config.runtime, placement: config.placement } },
      );
    }
    const { code, map, exportName } = source.bundle;
    return {
      bundle: { code, map },
      exportName,
      bundleHash: hashBundle(code),
      sizeBytes: Buffer.byteLength(code),
      warnings: [],
      newConfig,
    };
  }

  /** A custom container (contract 2.1): the function's runtime must be `container`. */
  private async image(fn: FunctionRow, archive: Buffer): Promise<Built> {
    const config = fn.config as unknown as FunctionConfig;
    if (config.runtime !== "container") {
      throw invalid(
        "runtime",
        `an image deploy needs runtime "container" (the function's runtime is ${config.runtime})`,
      );
    }
    assertContainersRun(config);
    const stored = await this.artifacts.storeImage(archive);
    return { exportName: "-", bundleHash: stored.hash, sizeBytes: stored.sizeBytes, warnings: stored.warnings };
  }

  private async build(
    fn: FunctionRow,
    source: Exclude<DeploySource, { kind: "bundle" | "image" }>,
    options: DeployOptions,
  ): Promise<Built> {
    const tmp = await mkdtemp(join(this.tmpRoot, "build-"));
    try {
      const dir = await materialize(source, join(tmp, "src"));
      const stored = fn.config as unknown as FunctionConfig;
      if (!hasConfigFile(dir) && !isEdgeRunnable(stored)) assertContainersRun(stored);
      const result = await this.builder().build({ dir, storedConfig: stored });
      const newConfig = result.configFromUpload
        ? this.functions.validate(
            { ...(result.config as unknown as Record<string, unknown>), name: fn.name },
            fn.id,
            options.environment,
          ).config
        : undefined;
      if (result.build === null) {
        // placement "auto" that needs Node: this version runs on the origin (the function's config stays auto).
        const config = newConfig ?? stored;
        const versionConfig = result.placement === "origin" ? { ...config, placement: "origin" as const } : undefined;
        return await this.originBuild(dir, versionConfig ?? config, newConfig, versionConfig);
      }
      const { code, map, exportName, bundleHash, warnings, sizeBytes } = result.build;
      return { bundle: { code, map }, exportName, bundleHash, sizeBytes, warnings, newConfig };
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }

  /** An origin function's artifact, built from the uploaded folder by its runtime's toolchain. */
  private async originBuild(
    dir: string,
    config: FunctionConfig,
    newConfig: FunctionConfig | undefined,
    versionConfig?: FunctionConfig,
  ): Promise<Built> {
    if (config.runtime === "container") {
      throw new BunbaseError(
        "FN_005",
        "a container function is deployed from an image: an OCI image layout tar or a `docker save` tar",
        { details: { runtime: "container" } },
      );
    }
    assertContainersRun(config);
    const stored = await this.artifacts.buildRuntime(dir, config);
    const exportName = config.handler ?? "-";
    const warnings = [...stored.warnings];
    if (versionConfig)
      warnings.unshift("the code imports Node.js built-ins: this version runs with Node on the origin");
    return { exportName, bundleHash: stored.hash, sizeBytes: stored.sizeBytes, warnings, newConfig, versionConfig };
  }
}

/**
 * A gzipped upload's tar, to look for an image in it (off the event loop); undefined when
 * it is corrupt or unpacks past the limit, which the tarball extraction reports properly.
 */
async function gunzipped(data: Buffer): Promise<Buffer | undefined> {
  return promisify(gunzip)(data, { maxOutputLength: MAX_EXTRACTED_BYTES }).catch(() => undefined);
}

/** Origin functions need containers: refused at deploy, with the reason, where runc cannot run them. */
function assertContainersRun(config: FunctionConfig): void {
  const reason = ContainerHost.unavailableReason();
  if (reason === null) return;
  const what =
    config.placement === "origin" ? `placement "origin" (runtime ${config.runtime})` : `runtime ${config.runtime}`;
  throw new BunbaseError("FN_005", `${what} needs origin workers, which cannot run on this origin: ${reason}`, {
    details: { runtime: config.runtime, placement: config.placement },
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
