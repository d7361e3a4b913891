/**
 * The containers' cgroups, as runc's cgroupfs driver lays them out: `linux.cgroupsPath`
 * `/<parent>/<id>` is a folder under every v1 hierarchy (cgroup v1 and hybrid), or one
 * folder of the unified v2 tree. We only read them (usage, OOM counters) and remove what
 * a crashed host left; runc creates and deletes them.
 */
import { closeSync, existsSync, openSync, readFileSync, readSync, readdirSync, rmdirSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { ContainerUsage } from "../types.ts";

const CGROUP_ROOT = "/sys/fs/cgroup";

export type CgroupVersion = 1 | 2;

export function cgroupVersion(): CgroupVersion {
  return existsSync(join(CGROUP_ROOT, "cgroup.controllers")) ? 2 : 1;
}

interface CgroupMount {
  mountPoint: string;
  version: CgroupVersion;
  /** v1: the controllers of the hierarchy (`memory`, `cpu`, `name=systemd`, ...). */
  controllers: string[];
}

/** Every cgroup hierarchy mounted here, from /proc/self/mountinfo. */
export function cgroupMounts(): CgroupMount[] {
  const mounts: CgroupMount[] = [];
  for (const line of readFileSync("/proc/self/mountinfo", "utf8").split("\n")) {
    const [left, right] = line.split(" - ");
    if (right === undefined) continue;
    const [fsType, , superOptions = ""] = right.split(" ");
    if (fsType !== "cgroup" && fsType !== "cgroup2") continue;
    // Octal escapes (\040 for a space) never occur under /sys/fs/cgroup; keep it simple.
    mounts.push({
      mountPoint: left.split(" ")[4],
      version: fsType === "cgroup2" ? 2 : 1,
      controllers: fsType === "cgroup" ? superOptions.split(",") : [],
    });
  }
  return mounts;
}

/** Why the limits cannot be enforced here, or null. */
export function cgroupProblem(): string | null {
  if (!existsSync("/proc/self/mountinfo")) return "no /proc/self/mountinfo";
  if (cgroupVersion() === 2) {
    const controllers = readFileSync(join(CGROUP_ROOT, "cgroup.controllers"), "utf8").split(/\s+/);
    for (const needed of ["memory", "pids", "cpu"]) {
      if (!controllers.includes(needed)) return `the cgroup v2 ${needed} controller is not available`;
    }
    return null;
  }
  const v1 = cgroupMounts().filter((mount) => mount.version === 1);
  for (const needed of ["memory", "pids", "cpu"]) {
    if (!v1.some((mount) => mount.controllers.includes(needed))) return `no cgroup v1 ${needed} hierarchy is mounted`;
  }
  return null;
}

/** `/parent/id` as a folder of every hierarchy (where runc creates it). */
export function cgroupDirs(path: string): string[] {
  if (cgroupVersion() === 2) return [join(CGROUP_ROOT, path)];
  return cgroupMounts().map((mount) => join(mount.mountPoint, path));
}

/** Whether the memory controller can limit memory + swap (v1 needs swapaccount). */
export function supportsMemorySwap(): boolean {
  if (cgroupVersion() === 2) return true;
  const memory = cgroupMounts().find((mount) => mount.controllers.includes("memory"));
  return memory !== undefined && existsSync(join(memory.mountPoint, "memory.memsw.limit_in_bytes"));
}

function v1Dir(controller: string, path: string): string {
  const mount = cgroupMounts().find((m) => m.version === 1 && m.controllers.includes(controller));
  return mount === undefined ? join(CGROUP_ROOT, controller, path) : join(mount.mountPoint, path);
}

function readNumber(file: string): number {
  return Number(readFileSync(file, "utf8").trim());
}

function readKeyed(file: string, key: string): number {
  const match = new RegExp(`^${key} (\\d+)$`, "m").exec(readFileSync(file, "utf8"));
  return match === null ? 0 : Number(match[1]);
}

/** The files of one container's cgroup that we read (paths resolved once). */
export class ContainerCgroup {
  readonly path: string;
  private readonly version = cgroupVersion();
  private readonly memory: string;
  private readonly cpu: string;
  /** v2: memory.peak resets per open file (Linux 6.12), so reads go through the same fd. */
  private peakFd: number | null = null;

  constructor(path: string) {
    this.path = path;
    this.memory = this.version === 2 ? join(CGROUP_ROOT, path) : v1Dir("memory", path);
    this.cpu = this.version === 2 ? join(CGROUP_ROOT, path) : v1Dir("cpuacct", path);
  }

  usage(): ContainerUsage | null {
    try {
      if (this.version === 1) {
        return {
          memoryBytes: readNumber(join(this.memory, "memory.usage_in_bytes")),
          memoryPeakBytes: readNumber(join(this.memory, "memory.max_usage_in_bytes")),
          cpuMicros: Math.round(readNumber(join(this.cpu, "cpuacct.usage")) / 1000),
        };
      }
      const current = readNumber(join(this.memory, "memory.current"));
      return {
        memoryBytes: current,
        memoryPeakBytes: this.readPeak() ?? current,
        cpuMicros: readKeyed(join(this.cpu, "cpu.stat"), "usage_usec"),
      };
    } catch {
      // The cgroup is gone (the container ended between the caller's check and this read).
      return null;
    }
  }

  resetPeak(): void {
    try {
      if (this.version === 1) {
        writeFileNumber(join(this.memory, "memory.max_usage_in_bytes"), 0);
        return;
      }
      this.peakFd ??= openSync(join(this.memory, "memory.peak"), "r+");
      writeSync(this.peakFd, "reset\n");
    } catch {
      // v2 before Linux 6.12 cannot reset the peak; the cgroup may also be gone already.
    }
  }

  private readPeak(): number | null {
    try {
      if (this.peakFd === null) return readNumber(join(this.memory, "memory.peak"));
      const buffer = Buffer.alloc(32);
      const length = readSync(this.peakFd, buffer, 0, buffer.length, 0);
      return Number(buffer.subarray(0, length).toString().trim());
    } catch {
      return null;
    }
  }

  /** How many times the kernel's OOM killer killed a process of this cgroup. */
  oomKills(): number {
    try {
      if (this.version === 2) return readKeyed(join(this.memory, "memory.events"), "oom_kill");
      return readKeyed(join(this.memory, "memory.oom_control"), "oom_kill");
    } catch {
      return 0;
    }
  }

  close(): void {
    if (this.peakFd !== null) closeSync(this.peakFd);
    this.peakFd = null;
  }
}

function writeFileNumber(file: string, value: number): void {
  const fd = openSync(file, "w");
  try {
    writeSync(fd, String(value));
  } finally {
    closeSync(fd);
  }
}

/**
 * Removes `/<parent>/*` in every hierarchy: what a host killed before runc could clean up
 * left behind. Processes still inside are killed first (a cgroup with tasks cannot go).
 */
export function removeStaleCgroups(parent: string): string[] {
  const left: string[] = [];
  for (const dir of cgroupDirs(parent)) {
    if (!existsSync(dir)) continue;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const child = join(dir, entry.name);
      killProcesses(child);
      if (!removeCgroupDir(child)) left.push(child);
    }
  }
  return left;
}

function killProcesses(dir: string): void {
  try {
    for (const pid of readFileSync(join(dir, "cgroup.procs"), "utf8").split("\n").filter(Boolean)) {
      try {
        process.kill(Number(pid), "SIGKILL");
      } catch {
        // already gone
      }
    }
  } catch {
    // no such file: nothing to kill
  }
}

/** rmdir with a few retries: the kernel frees a cgroup only once its killed tasks are reaped. */
export function removeCgroupDir(dir: string): boolean {
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      rmdirSync(dir);
      return true;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT") return true;
      if (code !== "EBUSY") return false;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    }
  }
  return false;
}
