/**
 * Starts the platform on one machine: the origin API and one edge node, as separate
 * processes (isolates never share the API's process). A child that dies is restarted
 * with backoff; `stop()` ends both. Used by `bunbase start` (npm start), `functions dev`
 * and the integration tests.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { ChildProcess } from "node:child_process";
import { REPO_ROOT, spawnNode, waitForListening } from "../../core/index.ts";

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
  child!: ChildProcess;
  url = "";
  private stopping = false;
  private restarts = 0;

  constructor(
    private readonly service: "origin" | "edge",
    private readonly entry: string,
    private readonly env: () => NodeJS.ProcessEnv,
    private readonly onLog: LaunchOptions["onLog"],
  ) {}

  async start(): Promise<string> {
    this.child = spawnNode(join(REPO_ROOT, this.entry), [], {
      env: this.env(),
      stdio: ["ignore", "pipe", "inherit"],
    });
    this.url = await waitForListening(this.child, 60_000, (line) => this.onLog?.(this.service, line));
    this.child.once("exit", () => void this.restart());
    return this.url;
  }

  /** Restarts on the same port after an unexpected exit, backing off up to 5 s. */
  private async restart(): Promise<void> {
    if (this.stopping) return;
    const delay = Math.min(100 * 2 ** this.restarts++, 5000);
    this.onLog?.(this.service, JSON.stringify({ level: 40, msg: `${this.service} exited; restarting in ${delay} ms` }));
    await new Promise((r) => setTimeout(r, delay));
    if (this.stopping) return;
    try {
      await this.start();
      this.restarts = 0;
    } catch {
      void this.restart();
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once("exit", () => r()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 8000);
    await exited;
    clearTimeout(timer);
  }
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
