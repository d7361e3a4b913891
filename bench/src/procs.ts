/** Resident memory of process trees, read from /proc (Linux only). */
import { readFileSync, readdirSync } from "node:fs";

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name may hold spaces and parentheses: fields resume after the last ")".
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return undefined;
  }
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return "";
  }
}

function allPids(): number[] {
  return readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .map(Number);
}

/** `root` and all its descendants. */
export function processTree(root: number): number[] {
  const parents = new Map(allPids().map((pid) => [pid, parentOf(pid)]));
  const tree = [root];
  for (let i = 0; i < tree.length; i++)
    for (const [pid, ppid] of parents) if (ppid === tree[i] && !tree.includes(pid)) tree.push(pid);
  return tree;
}

/** Our children whose command line contains `marker` (e.g. the edge supervisor the launcher spawned). */
export function childrenRunning(marker: string): number[] {
  return allPids().filter((pid) => parentOf(pid) === process.pid && commandLine(pid).includes(marker));
}

export function rssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
    return kb ? Number(kb) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** The summed RSS (MB) of `root`'s process tree, and how many processes it holds. */
export function treeRssMb(root: number): { mb: number; processes: number } {
  const tree = processTree(root);
  return { mb: tree.reduce((sum, pid) => sum + rssMb(pid), 0), processes: tree.length };
}
