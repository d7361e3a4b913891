/**
 * One running container: the `runc run` process, init's reports on fd 3, the output
 * lines, and the teardown that leaves nothing behind. Made by ContainerHost.start().
 */
import { spawn, type ChildProcess } from "node:child_process";
import { rm } from "node:fs/promises";
import type { Readable } from "node:stream";
import { BunbaseError, type Logger } from "../../../../core/index.ts";
import type { ContainerExit, ContainerOptions, ContainerUsage } from "../types.ts";
import { ContainerCgroup, cgroupDirs, removeCgroupDir } from "./cgroups.ts";
import { LineSplitter } from "./output-lines.ts";
import type { RuncCli } from "./runc-cli.ts";

export interface Container {
  readonly id: string;
  /** Host path of the unix socket that reaches the process's 127.0.0.1:$PORT. */
  readonly socketPath: string;
  /** Resolves once the container is gone and cleaned up (runc state, cgroup, bundle, run dir). */
  readonly exited: Promise<ContainerExit>;
  usage(): ContainerUsage | null;
  resetPeak(): void;
  /** SIGTERM, SIGKILL after the grace period, then cleanup. */
  stop(): Promise<ContainerExit>;
}

/** What start() hands over: where things are, and what to close at the end. */
export interface ContainerPaths {
  bundleDir: string;
  runDir: string;
  socketPath: string;
  cgroupsPath: string;
  /** Closes host-side helpers (the egress proxy) before the run dir goes. */
  onTeardown?: () => Promise<void>;
}

interface InitReport {
  event: "ready" | "exit" | "error";
  code?: number | null;
  signal?: string | null;
  message?: string;
}

const STDERR_TAIL_LINES = 20;
const KILL_WAIT_MS = 5_000;

export class RuncContainer implements Container {
  readonly id: string;
  readonly socketPath: string;
  readonly exited: Promise<ContainerExit>;
  private readonly cgroup: ContainerCgroup;
  private readonly child: ChildProcess;
  private report: Pick<InitReport, "code" | "signal"> | null = null;
  private oomKilled = false;
  private stopping = false;
  private readyState: "waiting" | "ready" | "failed" = "waiting";
  private readonly ready: Promise<void>;
  private markReady!: () => void;
  private failStart!: (error: Error) => void;
  private readonly stderrTail: string[] = [];

  constructor(
    private readonly options: ContainerOptions,
    private readonly paths: ContainerPaths,
    private readonly runc: RuncCli,
    private readonly log: Logger,
    private readonly graceMs: number,
  ) {
    this.id = options.id;
    this.socketPath = paths.socketPath;
    this.cgroup = new ContainerCgroup(paths.cgroupsPath);
    this.ready = new Promise<void>((resolve, reject) => {
      this.markReady = resolve;
      this.failStart = reject;
    });
    this.ready.catch(() => undefined);
    this.child = spawn(runc.binary, runc.runArgs(this.id, paths.bundleDir), {
      stdio: ["pipe", "pipe", "pipe", "pipe"],
    });
    this.exited = this.watch();
  }

  /** Resolves when init says http.sock accepts; rejects with FN_008 (after cleanup) otherwise. */
  async whenReady(timeoutMs: number): Promise<void> {
    const timer = setTimeout(() => {
      this.fail(`the process did not listen on port 8080 within ${timeoutMs} ms`);
      void this.kill();
    }, timeoutMs);
    try {
      await this.ready;
    } catch (error) {
      await this.exited;
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  usage(): ContainerUsage | null {
    return this.cgroup.usage();
  }

  resetPeak(): void {
    this.cgroup.resetPeak();
  }

  async stop(): Promise<ContainerExit> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.exited;
    this.stopping = true;
    if (this.report === null) {
      // runc run forwards the signal to init, which forwards it to the process.
      this.child.kill("SIGTERM");
      const timer = setTimeout(() => void this.kill(), this.graceMs);
      void this.exited.finally(() => clearTimeout(timer));
    }
    return this.exited;
  }

  /** SIGKILL to init: the kernel then kills everything in its pid namespace. */
  private async kill(): Promise<void> {
    this.stopping = true;
    try {
      await this.runc.kill(this.id, "KILL");
    } catch {
      // Not created yet or already gone: the watchdog below still ends runc.
    }
    const timer = setTimeout(() => this.child.kill("SIGKILL"), KILL_WAIT_MS);
    void this.exited.finally(() => clearTimeout(timer));
  }

  private fail(message: string): void {
    if (this.readyState !== "waiting") return;
    this.readyState = "failed";
    const tail = this.stderrTail.join("\n");
    this.failStart(
      new BunbaseError("FN_008", `container ${this.id} failed to start: ${message}`, {
        details: tail ? { stderr: tail } : undefined,
      }),
    );
  }

  private async watch(): Promise<ContainerExit> {
    const closed = this.pipeOutput();
    const result = await new Promise<{ code: number | null; signal: string | null }>((resolve) => {
      this.child.on("error", (error) => {
        this.fail(`cannot run runc: ${error.message}`);
        resolve({ code: null, signal: null });
      });
      this.child.on("exit", (code, signal) => resolve({ code, signal }));
    });
    await closed;
    if (this.report === null) {
      // init did not report (it never started, or it was killed): runc's status is all we have.
      this.oomKilled ||= this.cgroup.oomKills() > 0;
      this.report = result.signal ? { code: null, signal: result.signal } : decodeStatus(result.code);
    }
    this.fail(`it exited (code ${this.report.code}, signal ${this.report.signal}) before listening`);
    await this.cleanup();
    const reason =
      this.readyState === "failed" ? "start-failed" : this.oomKilled ? "oom" : this.stopping ? "stopped" : "exited";
    return { code: this.report.code ?? null, signal: this.report.signal ?? null, oomKilled: this.oomKilled, reason };
  }

  private pipeOutput(): Promise<unknown> {
    const streams = this.child.stdio as unknown as Readable[];
    const stdout = new LineSplitter((line) => this.options.onOutput("stdout", line));
    const stderr = new LineSplitter((line) => {
      if (this.readyState === "waiting") {
        this.stderrTail.push(line.slice(0, 1000));
        if (this.stderrTail.length > STDERR_TAIL_LINES) this.stderrTail.shift();
      }
      this.options.onOutput("stderr", line);
    });
    const reports = new LineSplitter((line) => this.onReport(line));
    return Promise.all([drain(streams[1], stdout), drain(streams[2], stderr), drain(streams[3], reports)]);
  }

  private onReport(line: string): void {
    let report: InitReport;
    try {
      report = JSON.parse(line) as InitReport;
    } catch {
      this.log.warn({ container: this.id, line: line.slice(0, 200) }, "unreadable report from the container init");
      return;
    }
    if (report.event === "ready" && this.readyState === "waiting") {
      this.readyState = "ready";
      this.markReady();
    } else if (report.event === "exit") {
      this.report = { code: report.code ?? null, signal: report.signal ?? null };
      // init waits for us: read the cgroup while it still exists, then let init go.
      this.oomKilled = this.cgroup.oomKills() > 0;
      this.child.stdin?.end();
    } else if (report.event === "error") {
      this.fail(report.message ?? "init failed");
      this.log.warn({ container: this.id, message: report.message }, "container init failed");
    }
  }

  private async cleanup(): Promise<void> {
    this.cgroup.close();
    this.child.stdin?.destroy();
    await this.paths.onTeardown?.().catch((error: unknown) => {
      this.log.warn({ err: error, container: this.id }, "container teardown hook failed");
    });
    if (this.runc.hasState(this.id)) {
      await this.runc.forceDelete(this.id).catch((error: unknown) => {
        this.log.warn({ err: error, container: this.id }, "runc delete failed");
      });
    }
    for (const dir of cgroupDirs(this.paths.cgroupsPath)) {
      if (!removeCgroupDir(dir)) this.log.warn({ container: this.id, dir }, "cannot remove the container's cgroup");
    }
    await rm(this.paths.bundleDir, { recursive: true, force: true });
    await rm(this.paths.runDir, { recursive: true, force: true });
  }
}

function drain(stream: Readable, lines: LineSplitter): Promise<void> {
  return new Promise((resolve) => {
    stream.on("data", (chunk: Buffer) => lines.push(chunk));
    stream.on("error", () => undefined);
    stream.on("close", () => {
      lines.end();
      resolve();
    });
  });
}

/** runc exits with the container's status: 128 + n for a signal. */
function decodeStatus(code: number | null): { code: number | null; signal: string | null } {
  if (code !== null && code > 128 && code < 160) {
    const name = Object.entries(signalNumbers()).find(([, number]) => number === code - 128)?.[0];
    if (name) return { code: null, signal: name };
  }
  return { code, signal: null };
}

function signalNumbers(): Record<string, number> {
  return { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGABRT: 6, SIGKILL: 9, SIGSEGV: 11, SIGPIPE: 13, SIGTERM: 15 };
}
