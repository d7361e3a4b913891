/**
 * The OCI runtime config (config.json, runtime-spec 1.0.2) of one container. Pure data:
 * what the container may see and do is decided here, and README.md explains each choice.
 */
import { CONTAINER_PORT, SDK_RELAY_PORT, type BindMount, type ContainerLimits, type LaunchSpec } from "../types.ts";
import { defaultSeccompProfile } from "./seccomp-profile.ts";

export const NOBODY = { uid: 65534, gid: 65534 };
export const INIT_PATH = "/opt/bunbase/init";
export const RUN_DIR = "/run/bunbase";
export const EGRESS_PROXY_URL = "http://127.0.0.1:3128";
export const SDK_RELAY_URL = `http://127.0.0.1:${SDK_RELAY_PORT}`;
const NOFILE = 4096;
const SHM_MB = 16;
const CPU_PERIOD_US = 100_000;

export interface SpecInput {
  launch: LaunchSpec;
  limits: ContainerLimits;
  egress: boolean;
  /** init relays 127.0.0.1:8081 to the run dir's sdk.sock, and the process gets BUNBASE_SDK_URL. */
  sdk?: boolean;
  /** Host path of the root folder (the shared empty one for `host`, the image's otherwise). */
  rootfs: string;
  /** Mounts that fill the `host` root (system dirs, our /etc); none for images. */
  rootfsMounts: BindMount[];
  /** Host paths of the init binary and of the container's run folder. */
  initBinary: string;
  runDir: string;
  cgroupsPath: string;
  /** The kernel can limit memory + swap (v1 memsw, or v2). */
  memorySwap: boolean;
  hostname?: string;
}

export function containerUser(launch: LaunchSpec): { uid: number; gid: number } {
  const user = launch.user ?? NOBODY;
  if (!Number.isInteger(user.uid) || !Number.isInteger(user.gid) || user.uid <= 0 || user.gid < 0) {
    throw new Error(`the container user must be a non-root numeric uid:gid, not ${user.uid}:${user.gid}`);
  }
  return user;
}

export function processEnv(launch: LaunchSpec, egress: boolean, sdk = false): string[] {
  const env: Record<string, string> = {
    PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    HOME: "/tmp",
    ...launch.env,
    PORT: String(CONTAINER_PORT),
  };
  delete env.BUNBASE_SDK_URL;
  if (sdk) env.BUNBASE_SDK_URL = SDK_RELAY_URL;
  for (const name of ["HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "NO_PROXY", "no_proxy"]) {
    delete env[name];
  }
  if (egress) {
    for (const name of ["HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"]) env[name] = EGRESS_PROXY_URL;
    env.NO_PROXY = env.no_proxy = "localhost,127.0.0.1";
  }
  return Object.entries(env).map(([name, value]) => `${name}=${value}`);
}

function bind(mount: BindMount) {
  const options = ["rbind", "nosuid", "nodev"];
  if (mount.readonly !== false) options.push("ro");
  return { destination: mount.destination, type: "bind", source: mount.source, options };
}

function systemMounts(limits: ContainerLimits) {
  return [
    { destination: "/proc", type: "proc", source: "proc", options: ["nosuid", "noexec", "nodev"] },
    { destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=64k"] },
    {
      destination: "/dev/pts",
      type: "devpts",
      source: "devpts",
      options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"],
    },
    {
      destination: "/dev/shm",
      type: "tmpfs",
      source: "shm",
      options: ["nosuid", "noexec", "nodev", "mode=1777", `size=${SHM_MB}m`],
    },
    { destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"] },
    { destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"] },
    {
      destination: "/sys/fs/cgroup",
      type: "cgroup",
      source: "cgroup",
      options: ["nosuid", "noexec", "nodev", "relatime", "ro"],
    },
    {
      destination: "/tmp",
      type: "tmpfs",
      source: "tmpfs",
      options: ["nosuid", "nodev", "mode=1777", `size=${Math.max(1, Math.floor(limits.tmpMb))}m`],
    },
  ];
}

/** runc's `runc spec` defaults: /proc and /sys entries that would leak or change the host. */
const MASKED_PATHS = [
  "/proc/acpi",
  "/proc/asound",
  "/proc/kcore",
  "/proc/keys",
  "/proc/latency_stats",
  "/proc/timer_list",
  "/proc/timer_stats",
  "/proc/sched_debug",
  "/proc/scsi",
  "/sys/firmware",
  "/sys/devices/virtual/powercap",
];
const READONLY_PATHS = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"];

function device(path: string, major: number, minor: number, uid: number, gid: number) {
  return { path, type: "c", major, minor, fileMode: 0o666, uid, gid };
}

export function buildSpec(input: SpecInput): object {
  const { launch, limits } = input;
  const user = containerUser(launch);
  const memory = Math.floor(limits.memoryMb * 1024 * 1024);
  const devices = [
    device("/dev/null", 1, 3, 0, 0),
    device("/dev/zero", 1, 5, 0, 0),
    device("/dev/full", 1, 7, 0, 0),
    device("/dev/random", 1, 8, 0, 0),
    device("/dev/urandom", 1, 9, 0, 0),
    device("/dev/tty", 5, 0, 0, 0),
  ];
  return {
    ociVersion: "1.0.2",
    process: {
      terminal: false,
      user: { uid: user.uid, gid: user.gid, additionalGids: [user.gid] },
      args: [INIT_PATH, ...(input.egress ? ["--egress"] : []), ...(input.sdk ? ["--sdk"] : []), "--", ...launch.argv],
      env: processEnv(launch, input.egress, input.sdk),
      cwd: launch.cwd || "/",
      capabilities: { bounding: [], effective: [], inheritable: [], permitted: [], ambient: [] },
      rlimits: [
        { type: "RLIMIT_NOFILE", hard: NOFILE, soft: NOFILE },
        { type: "RLIMIT_CORE", hard: 0, soft: 0 },
      ],
      noNewPrivileges: true,
    },
    root: { path: input.rootfs, readonly: true },
    hostname: input.hostname ?? "function",
    mounts: [
      ...systemMounts(limits),
      ...input.rootfsMounts.map(bind),
      bind({ source: input.initBinary, destination: INIT_PATH }),
      bind({ source: input.runDir, destination: RUN_DIR, readonly: false }),
      ...launch.mounts.map(bind),
    ],
    linux: {
      namespaces: ["pid", "ipc", "uts", "mount", "network", "cgroup"].map((type) => ({ type })),
      cgroupsPath: input.cgroupsPath,
      resources: {
        devices: [
          { allow: false, access: "rwm" },
          ...devices.map((d) => ({ allow: true, type: "c", major: d.major, minor: d.minor, access: "rwm" })),
        ],
        memory: { limit: memory, ...(input.memorySwap ? { swap: memory } : {}) },
        cpu: { quota: Math.max(1000, Math.round(limits.cpus * CPU_PERIOD_US)), period: CPU_PERIOD_US },
        pids: { limit: Math.max(8, Math.floor(limits.pids)) },
      },
      devices,
      seccomp: defaultSeccompProfile(),
      maskedPaths: MASKED_PATHS,
      readonlyPaths: READONLY_PATHS,
    },
  };
}
