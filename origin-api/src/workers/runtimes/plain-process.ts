/**
 * Runs a host-rootfs LaunchSpec as a plain process: container paths in argv, env and cwd
 * are mapped back to the host folders mounted there. Tests use it, and the bench compares
 * a container against "the same program started as a plain process".
 */
import { spawn, type ChildProcess } from "node:child_process";
import { connect } from "node:net";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import type { LaunchSpec } from "../types.ts";

export interface PlainProcessOptions {
  /** One call per output line. Default: discarded. */
  onOutput?(stream: "stdout" | "stderr", line: string): void;
  /** Rejects `ready` when the port does not accept within this time. Default 30 s. */
  startTimeoutMs?: number;
}

export interface PlainProcess {
  child: ChildProcess;
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Resolves when the port accepts connections; rejects if the process exits first. */
  ready: Promise<void>;
  /** SIGTERM, then SIGKILL after 2 s; resolves once the process is gone. */
  stop(): Promise<void>;
}

/** A container path under one of the spec's mounts, as the host path behind it. */
function hostPathMapper(spec: LaunchSpec): (value: string) => string {
  const mounts = [...spec.mounts].sort((a, b) => b.destination.length - a.destination.length);
  return (value) => {
    const mount = mounts.find((m) => value === m.destination || value.startsWith(`${m.destination}/`));
    return mount ? mount.source + value.slice(mount.destination.length) : value;
  };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
  });
}

/** Polls the port; `exited()` says why the process ended, once it has. */
async function waitForPort(port: number, timeoutMs: number, exited: () => string | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const why = exited();
    if (why !== undefined) throw new Error(`process ${why} before listening on ${port}`);
    if (await canConnect(port)) return;
    if (Date.now() > deadline) throw new Error(`port ${port} did not accept within ${timeoutMs} ms`);
    await sleep(5);
  }
}

function forwardLines(child: ChildProcess, onOutput: PlainProcessOptions["onOutput"]): void {
  for (const stream of ["stdout", "stderr"] as const) {
    const input = child[stream];
    if (!input) continue;
    createInterface({ input }).on("line", (line) => onOutput?.(stream, line));
  }
}

export function startPlainProcess(spec: LaunchSpec, port: number, options: PlainProcessOptions = {}): PlainProcess {
  if (spec.rootfs.kind !== "host") throw new Error("startPlainProcess runs host-rootfs launch specs only");
  const toHost = hostPathMapper(spec);
  const env = Object.fromEntries(Object.entries(spec.env).map(([k, v]) => [k, toHost(v)]));
  const [command, ...args] = spec.argv.map(toHost);
  const child = spawn(command, args, {
    cwd: toHost(spec.cwd),
    env: { ...env, PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  forwardLines(child, options.onOutput);
  let exit: string | undefined;
  const gone = new Promise<void>((resolve) => {
    child.once("exit", (code, signal) => {
      exit = `exited (code ${code}, signal ${signal})`;
      resolve();
    });
    child.once("error", (err) => {
      exit ??= `could not start: ${err.message}`;
      resolve();
    });
  });
  const spawned = new Promise<void>((resolve, reject) => {
    child.once("spawn", resolve);
    child.once("error", reject);
  });
  const ready = spawned.then(() => waitForPort(port, options.startTimeoutMs ?? 30_000, () => exit));
  // The caller awaits `ready`; this handler only keeps a caller that never does from
  // crashing the process with an unhandled rejection.
  ready.catch(() => undefined);
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    ready,
    async stop() {
      if (exit === undefined) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 2000);
        await gone;
        clearTimeout(timer);
      }
    },
  };
}
