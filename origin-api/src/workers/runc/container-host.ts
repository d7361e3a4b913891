/**
 * Starts origin containers with runc: checks the machine, builds the init, prepares the
 * shared `host` root, writes one bundle per container, and cleans up after itself and
 * after a previous process of ours that was killed. See README.md.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { chown, mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type EgressConfig, type EgressPolicyOptions, type Logger } from "../../../../core/index.ts";
import type { ContainerOptions } from "../types.ts";
import { cgroupDirs, cgroupProblem, removeCgroupDir, removeStaleCgroups, supportsMemorySwap } from "./cgroups.ts";
import { RuncContainer, type Container } from "./container.ts";
import { EgressProxy } from "./egress-proxy.ts";
import { ensureTmpMountPoint, prepareHostRootfs, type HostRootfs } from "./host-rootfs.ts";
import { ensureInitBinary, findGo } from "./init-binary.ts";
import { buildSpec, containerUser } from "./oci-spec.ts";
import { findRunc, RuncCli } from "./runc-cli.ts";

/** sockaddr_un.sun_path holds 108 bytes with the terminating NUL. */
export const MAX_SOCKET_PATH = 107;
const ID_PATTERN = /^[a-z0-9-]{1,48}$/;
const DEFAULT_GRACE_MS = 2_000;

export interface ContainerHostOptions {
  /** runc's --root, the bundles, the init binary and the shared root: under the data dir. */
  stateDir: string;
  /** Short folder for the per-container sockets; default /tmp/bb-<hash of stateDir>. */
  runDir?: string;
  log: Logger;
  /** Node-wide egress policy; deniedHosts should hold the origin API's and this host's ports. */
  egressPolicy?: EgressPolicyOptions;
  /** Where the built init is cached, keyed by its source hash; default <stateDir>/init. */
  initCacheDir?: string;
  /** Between SIGTERM and SIGKILL in stop(). */
  stopGraceMs?: number;
}

/** Whether a function's `vpc` block opens any way out. */
export function egressOpen(config: EgressConfig | null): config is EgressConfig {
  if (config === null) return false;
  return config.egress === true || config.allowPrivateNetworks === true || (config.allowedHosts ?? []).length > 0;
}

export class ContainerHost {
  private readonly stateDir: string;
  private readonly runDir: string;
  /** Our own cgroup parent: two hosts with different state dirs never touch each other's. */
  readonly cgroupParent: string;
  private readonly log: Logger;
  private readonly options: ContainerHostOptions;
  private runc: RuncCli | null = null;
  private initBinary = "";
  private hostRootfs: HostRootfs | null = null;
  private memorySwap = false;
  private readonly live = new Map<string, RuncContainer>();
  private closing = false;

  constructor(options: ContainerHostOptions) {
    this.options = options;
    this.stateDir = options.stateDir;
    this.log = options.log;
    const tag = createHash("sha256").update(options.stateDir).digest("hex").slice(0, 10);
    this.runDir = options.runDir ?? `/tmp/bb-${tag}`;
    this.cgroupParent = `/bunbase-${tag}`;
    // The longest socket: <runDir>/<48-character id>/egress.sock.
    const longest = join(this.runDir, "x".repeat(48), "egress.sock");
    if (Buffer.byteLength(longest) > MAX_SOCKET_PATH) {
      throw new Error(
        `runDir ${this.runDir} is too long for unix socket paths (at most ${MAX_SOCKET_PATH - 61} bytes)`,
      );
    }
  }

  static unavailableReason(): string | null {
    if (process.platform !== "linux") return "origin containers need Linux";
    if (process.getuid?.() !== 0) return "origin containers need root (runc, cgroups)";
    if (findRunc() === null) return "runc is not installed";
    const cgroups = cgroupProblem();
    if (cgroups !== null) return cgroups;
    if (findGo() === null) return "no Go toolchain to build the container init (install golang or set BUNBASE_GO)";
    return null;
  }

  async init(): Promise<void> {
    const reason = ContainerHost.unavailableReason();
    if (reason !== null) throw new Error(`cannot run origin containers: ${reason}`);
    this.runc = new RuncCli(findRunc()!, join(this.stateDir, "runc"));
    await mkdir(this.runc.root, { recursive: true, mode: 0o700 });
    await this.removeLeftovers();
    this.initBinary = await ensureInitBinary(this.options.initCacheDir ?? join(this.stateDir, "init"));
    this.hostRootfs = await prepareHostRootfs(this.stateDir);
    this.memorySwap = supportsMemorySwap();
    await mkdir(this.runDir, { recursive: true, mode: 0o711 });
  }

  async start(opts: ContainerOptions): Promise<Container> {
    if (this.runc === null || this.hostRootfs === null) throw new Error("ContainerHost.init() has not run");
    if (this.closing) throw new Error("the container host is closing");
    if (!ID_PATTERN.test(opts.id)) throw new Error(`bad container id ${JSON.stringify(opts.id)}: [a-z0-9-]{1,48}`);
    if (this.live.has(opts.id)) throw new Error(`container ${opts.id} is already running`);
    const user = containerUser(opts.launch);
    const bundleDir = join(this.stateDir, "bundles", opts.id);
    const runDir = join(this.runDir, opts.id);
    const egress = egressOpen(opts.egress);
    const sdk = opts.launch.sdk === true && opts.sdk !== undefined;
    await rm(runDir, { recursive: true, force: true });
    await mkdir(runDir, { mode: 0o700 });
    await chown(runDir, user.uid, user.gid);
    await mkdir(bundleDir, { recursive: true });
    const image = opts.launch.rootfs.kind === "image" ? opts.launch.rootfs.path : null;
    if (image !== null) await ensureTmpMountPoint(image);
    const spec = buildSpec({
      launch: opts.launch,
      limits: opts.limits,
      egress,
      sdk,
      rootfs: image ?? this.hostRootfs.root,
      rootfsMounts: image === null ? this.hostRootfs.mounts : [],
      initBinary: this.initBinary,
      runDir,
      cgroupsPath: `${this.cgroupParent}/${opts.id}`,
      memorySwap: this.memorySwap,
    });
    await writeFile(join(bundleDir, "config.json"), JSON.stringify(spec));
    const proxy = egress
      ? await EgressProxy.listen({
          socketPath: join(runDir, "egress.sock"),
          config: opts.egress!,
          policy: this.options.egressPolicy ?? {},
          owner: user,
          log: this.log,
        })
      : null;
    const relay = sdk
      ? await opts.sdk!.listen(join(runDir, "sdk.sock"), user).catch(async (error: unknown) => {
          await proxy?.close();
          await rm(runDir, { recursive: true, force: true });
          await rm(bundleDir, { recursive: true, force: true });
          throw error;
        })
      : null;
    const container = new RuncContainer(
      opts,
      {
        bundleDir,
        runDir,
        socketPath: join(runDir, "http.sock"),
        cgroupsPath: `${this.cgroupParent}/${opts.id}`,
        onTeardown: async () => {
          await Promise.all([proxy?.close(), relay?.close()]);
        },
      },
      this.runc,
      this.log,
      this.options.stopGraceMs ?? DEFAULT_GRACE_MS,
    );
    this.live.set(opts.id, container);
    void container.exited.finally(() => this.live.delete(opts.id));
    await container.whenReady(opts.startTimeoutMs);
    return container;
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all([...this.live.values()].map((container) => container.stop()));
    for (const dir of cgroupDirs(this.cgroupParent)) {
      if (!removeCgroupDir(dir)) this.log.warn({ dir }, "cannot remove the containers' parent cgroup");
    }
    await rm(this.runDir, { recursive: true, force: true });
  }

  /**
   * What is on disk or in the cgroups for containers that are not running: runc state,
   * bundles, run dirs, cgroup dirs. Empty unless something went wrong (tests assert it).
   */
  async leftovers(): Promise<string[]> {
    const found: string[] = [];
    const dirs = [
      this.runc?.root ?? join(this.stateDir, "runc"),
      join(this.stateDir, "bundles"),
      this.runDir,
      ...cgroupDirs(this.cgroupParent),
    ];
    for (const dir of dirs) {
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const entry of entries) {
        if (entry.isDirectory() && !this.live.has(entry.name)) found.push(join(dir, entry.name));
      }
    }
    return found;
  }

  /** What a previous process of ours left when it was killed: containers, cgroups, folders. */
  private async removeLeftovers(): Promise<void> {
    const runc = this.runc!;
    for (const id of await runc.list().catch(() => [])) {
      this.log.warn({ container: id }, "removing a container left by a previous run");
      await runc.forceDelete(id).catch((error: unknown) => this.log.warn({ err: error, container: id }, "runc delete"));
    }
    for (const dir of removeStaleCgroups(this.cgroupParent)) this.log.warn({ dir }, "cannot remove a stale cgroup");
    await rm(join(this.stateDir, "bundles"), { recursive: true, force: true });
    if (existsSync(this.runDir)) {
      for (const name of await readdir(this.runDir))
        await rm(join(this.runDir, name), { recursive: true, force: true });
    }
  }
}
