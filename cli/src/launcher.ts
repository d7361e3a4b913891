/**
 * Starts the platform on one machine: the origin API and one edge node, as separate
 * processes (isolates never share the API's process). A child that dies is restarted
 * with backoff; `stop()` ends both. Used by `bunbase start` (npm start), `functions dev`
 * and the integration tests.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { ChildProcess } from "node:child_process";
import { REPO_ROOT, spawnNode, STOP_WITH_PARENT_ENV, waitForListening } from "../../core/index.ts";

export interface LaunchOptions {
  dataDir: string;
  /** Origin API port (0: any free port). */
  port?: number;
  /** Edge node port (0: any free port). */
  edgePort?: number;
  host?: string;
  /** Every stdout line of the children (pino JSON), with the service name. */
  onLog?: (service: "origin" | "edge", line: string) => void;
  /** Extra environment for both children. */
  env?: Record<string, string>;
  /**
   * Runs once the origin is up and before the edge starts (`bunbase start` deploys the
   * examples here): when the edge first answers, it already serves them.
   */
  beforeEdge?: (origin: { originUrl: string; adminKey: string }) => Promise<void>;
}

export interface Platform {
  originUrl: string;
  edgeUrl: string;
  dataDir: string;
  adminKeyPath: string;
  adminKey: string;
  nodeKey: string;
  stop(): Promise<void>;
}

class Supervised {
  child: ChildProcess | undefined;
  url = "";
  private stopping = false;
  private restarts = 0;
  private restarting: Promise<void> | undefined;

  constructor(
    private readonly service: "origin" | "edge",
    private readonly entry: string,
    private readonly env: () => NodeJS.ProcessEnv,
    private readonly onLog: LaunchOptions["onLog"],
  ) {}

  async start(): Promise<string> {
    // Our stdin pipe is the child's: it stops when we are gone, even by SIGKILL (core/src/shutdown.ts).
    const child = spawnNode(join(REPO_ROOT, this.entry), [], {
      env: { ...this.env(), [STOP_WITH_PARENT_ENV]: "1" },
      stdio: ["pipe", "pipe", "inherit"],
    });
    this.child = child;
    try {
      this.url = await waitForListening(child, 60_000, (line) => this.onLog?.(this.service, line));
    } catch (err) {
      child.kill("SIGKILL");
      throw err;
    }
    // stop() may have come while this child was starting: it must not outlive us.
    if (this.stopping) {
      await terminate(child);
      throw new Error(`${this.service} stopped while starting`);
    }
    child.once("exit", () => {
      if (!this.stopping) this.restarting = this.restart().finally(() => (this.restarting = undefined));
    });
    return this.url;
  }

  /** Restarts on the same port after an unexpected exit, backing off up to 5 s. */
  private async restart(): Promise<void> {
    while (!this.stopping) {
      const delay = Math.min(100 * 2 ** this.restarts++, 5000);
      this.onLog?.(
        this.service,
        JSON.stringify({ level: 40, msg: `${this.service} exited; restarting in ${delay} ms` }),
      );
      await new Promise((r) => setTimeout(r, delay));
      if (this.stopping) return;
      try {
        await this.start();
        this.restarts = 0;
        return;
      } catch {
        // try again after a longer pause
      }
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.restarting;
    if (this.child) await terminate(this.child);
  }
}

/** SIGTERM, then SIGKILL after 8 s; resolves when the child has exited. */
async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 8000);
  await exited;
  clearTimeout(timer);
}

export async function launchPlatform(options: LaunchOptions): Promise<Platform> {
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const host = options.host ?? "127.0.0.1";
  const base = { ...process.env, ...options.env, BUNBASE_DATA_DIR: dataDir, BUNBASE_HOST: host };

  const origin: Supervised = new Supervised(
    "origin",
    "origin-api/main.ts",
    (): NodeJS.ProcessEnv => ({ ...base, PORT: String(portOf(origin.url) ?? options.port ?? 8700) }),
    options.onLog,
  );
  const originUrl = await origin.start();
  const adminKeyPath = join(dataDir, "admin.key");
  const adminKey = readFileSync(adminKeyPath, "utf8").trim();
  const nodeKey = readFileSync(join(dataDir, "node.key"), "utf8").trim();
  try {
    await options.beforeEdge?.({ originUrl, adminKey });
  } catch (err) {
    await origin.stop();
    throw err;
  }

  const edge: Supervised = new Supervised(
    "edge",
    "edge-node/main.ts",
    (): NodeJS.ProcessEnv => ({
      ...base,
      EDGE_PORT: String(portOf(edge.url) ?? options.edgePort ?? 8787),
      BUNBASE_API_URL: originUrl,
      BUNBASE_API_KEY: nodeKey,
    }),
    options.onLog,
  );
  let edgeUrl: string;
  try {
    edgeUrl = await edge.start();
  } catch (err) {
    await origin.stop();
    throw err;
  }
  return {
    originUrl,
    edgeUrl,
    dataDir,
    adminKeyPath,
    adminKey,
    nodeKey,
    async stop() {
      await edge.stop();
      await origin.stop();
    },
  };
}

function portOf(url: string): number | undefined {
  return url ? Number(new URL(url).port) : undefined;
}
