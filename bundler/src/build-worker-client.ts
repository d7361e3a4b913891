/**
 * Builds in a child process (`bundler/build-worker.ts`), so the origin API never evaluates
 * user config or runs esbuild itself. One long-lived worker; if it dies, its in-flight
 * builds fail with FN_005 and the next build starts a new one.
 */
import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { BunbaseError, spawnNode } from "../../core/index.ts";
import type { FunctionConfig } from "./config-schema.ts";
import type { BuildReply, BuildRequest, WorkerBuildOutput } from "./build-worker-protocol.ts";

const WORKER_ENTRY = fileURLToPath(new URL("../build-worker.ts", import.meta.url));

export interface BuildWorkerOptions {
  /** Per-build limit; default 120 s. */
  timeoutMs?: number;
}

interface Pending {
  resolve(output: WorkerBuildOutput): void;
  reject(err: BunbaseError): void;
  timer: NodeJS.Timeout;
  worker: ChildProcess;
}

export class BuildWorkerClient {
  private worker: ChildProcess | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;
  private readonly timeoutMs: number;

  constructor(options: BuildWorkerOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 120_000;
  }

  /** The worker's pid, when one is running (tests use it to kill the worker). */
  get pid(): number | undefined {
    return this.worker?.pid;
  }

  /** Loads the upload's config (or uses `storedConfig`) and bundles `dir`, in the worker. */
  build(request: { dir: string; storedConfig?: FunctionConfig }): Promise<WorkerBuildOutput> {
    if (this.closed) return Promise.reject(new BunbaseError("FN_005", "build worker is closed"));
    const worker = this.ensureWorker();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new BunbaseError("FN_005", `Build failed: timed out after ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.pending.set(id, { resolve, reject, timer, worker });
      const message: BuildRequest = { id, dir: request.dir, storedConfig: request.storedConfig };
      worker.send(message, (err) => {
        if (err) this.settle(id, { id, ok: false, error: { code: "FN_005", message: "build worker crashed" } });
      });
    });
  }

  /** Stops the worker; builds still running fail. */
  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    if (!worker || worker.exitCode !== null || worker.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
    worker.kill();
    await exited;
  }

  private ensureWorker(): ChildProcess {
    if (this.worker) return this.worker;
    const worker = spawnNode(WORKER_ENTRY, [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    worker.on("message", (reply: BuildReply) => this.settle(reply.id, reply));
    worker.on("exit", () => this.onExit(worker));
    worker.on("error", () => this.onExit(worker));
    this.worker = worker;
    return worker;
  }

  private onExit(worker: ChildProcess): void {
    if (this.worker === worker) this.worker = undefined;
    for (const [id, entry] of this.pending) {
      if (entry.worker !== worker) continue;
      this.settle(id, { id, ok: false, error: { code: "FN_005", message: "build worker crashed" } });
    }
  }

  private settle(id: number, reply: BuildReply): void {
    const entry = this.pending.get(id);
    if (!entry) return; // timed out already
    this.pending.delete(id);
    clearTimeout(entry.timer);
    if (reply.ok) entry.resolve(reply.output);
    else entry.reject(new BunbaseError(reply.error.code, reply.error.message, { details: reply.error.details }));
  }
}
