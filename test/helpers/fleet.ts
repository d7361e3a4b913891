/**
 * A fleet by hand: one origin and any number of edge nodes, each a separate process (and
 * process group) on an ephemeral port with its own data dir, so a test can kill the
 * origin outright and start it again on the same port and data dir.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT, spawnNode, waitForListening } from "../../core/index.ts";

export interface FleetProcess {
  url: string;
  pid: number;
  /** SIGKILL to the whole process group (the origin's runner and build worker too). */
  kill(): Promise<void>;
  /** SIGTERM, then SIGKILL of the group after 8 s; always leaves no process of the group behind. */
  stop(): Promise<void>;
}

export interface FleetProcessOptions {
  env: Record<string, string>;
  /** Every stdout line, tagged with `tag`. */
  lines?: string[];
  tag: string;
}

async function startProcess(entry: string, o: FleetProcessOptions): Promise<FleetProcess> {
  const child = spawnNode(join(REPO_ROOT, entry), [], {
    env: { ...process.env, BUNBASE_LOG_LEVEL: "info", ...o.env },
    stdio: ["ignore", "pipe", "inherit"],
    detached: true,
  });
  const pid = child.pid!;
  const url = await waitForListening(child, 60_000, (line) => o.lines?.push(`${o.tag} ${line}`)).catch(
    async (err: unknown) => {
      await signalGroup(child, "SIGKILL");
      throw err;
    },
  );
  return {
    url,
    pid,
    kill: () => signalGroup(child, "SIGKILL"),
    async stop() {
      const timer = setTimeout(() => void signalGroup(child, "SIGKILL"), 8000);
      await signalGroup(child, "SIGTERM");
      clearTimeout(timer);
      await signalGroup(child, "SIGKILL"); // whatever of the group outlived its leader
    },
  };
}

/** Signals the child's process group; resolves once the child itself has exited. */
async function signalGroup(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  const exited =
    child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((r) => child.once("exit", () => r()));
  try {
    process.kill(-child.pid!, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
  }
  await exited;
}

export interface FleetOrigin extends FleetProcess {
  adminKey: string;
  nodeKey: string;
}

/** A request to the origin's API with its admin key; `json` becomes the JSON body. */
export function originApi(
  origin: FleetOrigin,
  path: string,
  init: RequestInit & { json?: unknown } = {},
): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${origin.adminKey}`);
  if (init.json !== undefined) headers.set("content-type", "application/json");
  const body = init.json !== undefined ? JSON.stringify(init.json) : init.body;
  return fetch(origin.url + path, { ...init, headers, body });
}

/** The origin API on `port` (0: any free port) with its data in `dataDir`. */
export async function startFleetOrigin(
  dataDir: string,
  port = 0,
  o: Omit<FleetProcessOptions, "env" | "tag"> & { env?: Record<string, string> } = {},
): Promise<FleetOrigin> {
  const proc = await startProcess("origin-api/main.ts", {
    ...o,
    tag: "origin",
    env: { ...o.env, BUNBASE_DATA_DIR: dataDir, BUNBASE_HOST: "127.0.0.1", PORT: String(port) },
  });
  const read = (file: string) => readFileSync(join(dataDir, file), "utf8").trim();
  return { ...proc, adminKey: read("admin.key"), nodeKey: read("node.key") };
}

export interface FleetEdge extends FleetProcess {
  name: string;
  region: string;
  dataDir: string;
}

/** An edge node of `origin` in `region`, with its own temp data dir (bundle cache). */
export async function startFleetEdge(
  origin: { url: string; nodeKey: string },
  o: { name: string; region: string; workers?: number; lines?: string[]; env?: Record<string, string> },
): Promise<FleetEdge> {
  const dataDir = mkdtempSync(join(tmpdir(), `bunbase-edge-${o.name}-`));
  const proc = await startProcess("edge-node/main.ts", {
    lines: o.lines,
    tag: o.name,
    env: {
      ...o.env,
      BUNBASE_API_URL: origin.url,
      BUNBASE_API_KEY: origin.nodeKey,
      BUNBASE_REGION: o.region,
      BUNBASE_NODE_NAME: o.name,
      BUNBASE_DATA_DIR: dataDir,
      BUNBASE_HOST: "127.0.0.1",
      BUNBASE_EDGE_WORKERS: String(o.workers ?? 1),
      EDGE_PORT: "0",
    },
  });
  return {
    ...proc,
    name: o.name,
    region: o.region,
    dataDir,
    async stop() {
      await proc.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
