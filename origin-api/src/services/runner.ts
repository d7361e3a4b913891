/**
 * The runner: an edge node in runner mode, a child process that runs invocations the API
 * asks for (`invoke`, async, events) in isolates, so no user code runs in this process.
 * Restarted with backoff when it exits; stopped on shutdown.
 */
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  BunbaseError,
  REPO_ROOT,
  spawnNode,
  STOP_WITH_PARENT_ENV,
  waitForListening,
  type Logger,
} from "../../../core/index.ts";

export interface RunnerOptions {
  nodeKey: string;
  /** The fleet's forwarding key: the runner signs @bunbase/sdk tokens for containers with it. */
  forwardKey?: () => string;
  dataDir: string;
  log: Logger;
  entry?: string;
}

export const RUNNER_ENTRY = join(REPO_ROOT, "origin-api", "runner-main.ts");

export class Runner {
  readonly token = randomBytes(32).toString("hex");
  private child: ChildProcess | undefined;
  private url: string | undefined;
  private waiters: ((url: string) => void)[] = [];
  private stopped = false;
  private restarts = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private apiUrl = "";

  constructor(private readonly options: RunnerOptions) {}

  get available(): boolean {
    return existsSync(this.options.entry ?? RUNNER_ENTRY);
  }

  /** Starts the runner against the API at `apiUrl` (known once the API listens). */
  start(apiUrl = this.apiUrl): void {
    this.apiUrl = apiUrl;
    if (this.stopped || !this.available) return;
    const { log } = this.options;
    const child = spawnNode(this.options.entry ?? RUNNER_ENTRY, [], {
      env: {
        ...process.env,
        EDGE_PORT: "0",
        BUNBASE_EDGE_MODE: "runner",
        BUNBASE_API_URL: this.apiUrl,
        BUNBASE_API_KEY: this.options.nodeKey,
        ...(this.options.forwardKey ? { BUNBASE_FORWARD_KEY: this.options.forwardKey() } : {}),
        BUNBASE_INTERNAL_TOKEN: this.token,
        BUNBASE_DATA_DIR: this.options.dataDir,
        // stdin: the runner stops when it closes, i.e. when this process is gone (even SIGKILLed).
        [STOP_WITH_PARENT_ENV]: "1",
      },
      stdio: ["pipe", "pipe", "inherit"],
    });
    this.child = child;
    child.once("exit", (code, signal) => {
      this.url = undefined;
      if (this.stopped) return;
      const delay = Math.min(200 * 2 ** this.restarts++, 10_000);
      log.warn({ code, signal, retryMs: delay }, "runner exited; restarting");
      this.restartTimer = setTimeout(() => this.start(), delay);
    });
    // Our stdout carries the runner's log lines too, except its own "listening" line, which
    // whoever reads ours for the API's address must not mistake for ours.
    waitForListening(child, 60_000, (line) => {
      if (!line.includes('"msg":"listening"')) process.stdout.write(line + "\n");
    })
      .then((url) => {
        this.url = url;
        this.restarts = 0;
        log.info({ runner: url }, "runner ready");
        for (const w of this.waiters.splice(0)) w(url);
      })
      .catch((err: unknown) => {
        log.warn({ err: String(err) }, "runner did not start");
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      });
  }

  /** The runner's URL, waiting up to `timeoutMs` for it to (re)start. */
  async ready(timeoutMs = 30_000): Promise<string> {
    if (this.url) return this.url;
    if (!this.available)
      throw new BunbaseError("FN_008", "No runner is installed on this node (origin-api/runner-main.ts is missing)");
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new BunbaseError("FN_008", "The runner did not become ready in time"));
      }, timeoutMs);
      const waiter = (url: string) => {
        clearTimeout(timer);
        resolve(url);
      };
      this.waiters.push(waiter);
    });
  }

  /** The runner dropped a connection: forget its address until it says it listens again. */
  markUnreachable(): void {
    if (this.child && (this.child.exitCode !== null || this.child.signalCode !== null)) this.url = undefined;
  }

  async close(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once("exit", () => r()));
    child.kill("SIGTERM");
    const force = setTimeout(() => child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(force);
  }
}
