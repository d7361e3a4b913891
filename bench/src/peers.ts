/**
 * The peers: the same Workers-style module served by a fresh process of another runtime.
 * Each peer writes its files into a work dir, spawns, and is "up" at its first response.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { BENCH_DIR } from "./setup.ts";
import { firstResponse } from "./http-probe.ts";

export type PeerName = "node" | "workerd" | "deno" | "bun";

export interface RunningPeer {
  url: string;
  /** One URL per module served (the first is `url`). */
  urls: string[];
  pid: number;
  /** Spawn to first response, in ms. */
  startMs: number;
  stop(): Promise<void>;
}

export interface Peer {
  name: PeerName;
  /** Why this peer cannot run here, or undefined when it can. */
  unavailable(): string | undefined;
  /** Starts the peer serving `modules` (one per port; the first is the hello world). */
  start(workDir: string, modules: string[]): Promise<RunningPeer>;
}

const bin = (name: string) => join(BENCH_DIR, "node_modules", ".bin", name);

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/** Spawns `command` and waits for the first 200 from `url` (deadline scales with the worker count). */
async function launch(
  command: string,
  args: string[],
  urls: string[],
  deadlineMs: number,
  cwd: string,
): Promise<RunningPeer> {
  const url = urls[0];
  const started = performance.now();
  const child = spawn(command, args, {
    cwd,
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, DENO_NO_UPDATE_CHECK: "1", DENO_DIR: join(cwd, ".deno"), NO_COLOR: "1" },
  });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr = (stderr + d).slice(-2000)));
  const alive = () => child.exitCode === null && child.signalCode === null;
  try {
    const startMs = await firstResponse(url, started, deadlineMs, alive);
    return { url, urls, pid: child.pid ?? 0, startMs, stop: () => terminate(child) };
  } catch (err) {
    await terminate(child);
    const tail = stderr ? `: ${stderr.trim().split("\n").slice(-3).join(" | ")}` : "";
    throw new Error(`${(err as Error).message}${tail}`, { cause: err });
  }
}

function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

const urlsOf = (list: number[]) => list.map((port) => `http://127.0.0.1:${port}/`);

function ports(count: number): Promise<number[]> {
  return Promise.all(Array.from({ length: count }, () => freePort()));
}

function prepare(workDir: string, modules: string[]): void {
  mkdirSync(workDir, { recursive: true });
  modules.forEach((code, i) => writeFileSync(join(workDir, `worker${i}.mjs`), code));
}

const deadline = (modules: string[]) => 15_000 + modules.length * 50;

/** A fresh `node` process adapting node:http to the module's fetch (what a container does per cold start). */
const nodePeer: Peer = {
  name: "node",
  unavailable: () => undefined,
  async start(workDir, modules) {
    prepare(workDir, modules);
    const list = await ports(modules.length);
    const server = `import { createServer } from "node:http";
const ports = ${JSON.stringify(list)};
ports.forEach(async (port, i) => {
  const mod = (await import("./worker" + i + ".mjs")).default;
  createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const body = req.method === "GET" || req.method === "HEAD" ? undefined : Buffer.concat(chunks);
    const out = await mod.fetch(new Request("http://" + req.headers.host + req.url, { method: req.method, headers: req.headers, body }));
    res.writeHead(out.status, Object.fromEntries(out.headers));
    res.end(Buffer.from(await out.arrayBuffer()));
  }).listen(port, "127.0.0.1");
});
`;
    writeFileSync(join(workDir, "server.mjs"), server);
    return launch(process.execPath, ["server.mjs"], urlsOf(list), deadline(modules), workDir);
  },
};

/** workerd from the npm package: one service and one socket per module. */
const workerdPeer: Peer = {
  name: "workerd",
  unavailable: () => (existsSync(bin("workerd")) ? undefined : "workerd binary not installed"),
  async start(workDir, modules) {
    prepare(workDir, modules);
    const list = await ports(modules.length);
    const services = modules.map((_, i) => `(name = "w${i}", worker = .worker${i})`).join(",\n    ");
    const sockets = list
      .map((port, i) => `(name = "s${i}", address = "127.0.0.1:${port}", http = (), service = "w${i}")`)
      .join(",\n    ");
    const workers = modules
      .map(
        (_, i) => `const worker${i} :Workerd.Worker = (
  modules = [(name = "worker${i}.mjs", esModule = embed "worker${i}.mjs")],
  compatibilityDate = "2025-01-01",
);`,
      )
      .join("\n");
    writeFileSync(
      join(workDir, "config.capnp"),
      `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    ${services}
  ],
  sockets = [
    ${sockets}
  ],
);
${workers}
`,
    );
    return launch(bin("workerd"), ["serve", "config.capnp"], urlsOf(list), deadline(modules), workDir);
  },
};

/** `deno serve` of the module (it serves a default export's fetch). */
const denoPeer: Peer = {
  name: "deno",
  unavailable: () => (existsSync(bin("deno")) ? undefined : "deno binary not installed"),
  async start(workDir, modules) {
    prepare(workDir, modules.slice(0, 1));
    const [port] = await ports(1);
    const args = ["serve", "--quiet", "--no-check", `--port=${port}`, "--host=127.0.0.1", "worker0.mjs"];
    return launch(bin("deno"), args, urlsOf([port]), deadline(modules), workDir);
  },
};

/** `Bun.serve` with the module's fetch. */
const bunPeer: Peer = {
  name: "bun",
  unavailable: () => (existsSync(bin("bun")) ? undefined : "bun binary not installed"),
  async start(workDir, modules) {
    prepare(workDir, modules.slice(0, 1));
    const [port] = await ports(1);
    writeFileSync(
      join(workDir, "server.mjs"),
      `import mod from "./worker0.mjs";\nBun.serve({ port: ${port}, hostname: "127.0.0.1", fetch: (req) => mod.fetch(req) });\n`,
    );
    return launch(bin("bun"), ["server.mjs"], urlsOf([port]), deadline(modules), workDir);
  },
};

export const PEERS: Peer[] = [nodePeer, workerdPeer, denoPeer, bunPeer];

export function peer(name: PeerName): Peer {
  return PEERS.find((p) => p.name === name)!;
}

/** Raw node:http writing the hello world's bytes directly: the ceiling for a Node front. */
export async function startRawNode(workDir: string, body: string): Promise<RunningPeer> {
  mkdirSync(workDir, { recursive: true });
  const [port] = await ports(1);
  writeFileSync(
    join(workDir, "raw.mjs"),
    `import { createServer } from "node:http";
const body = Buffer.from(${JSON.stringify(body)});
createServer((req, res) => {
  res.writeHead(200, { "content-type": "text/plain", "content-length": body.length });
  res.end(body);
}).listen(${port}, "127.0.0.1");
`,
  );
  return launch(process.execPath, ["raw.mjs"], urlsOf([port]), 15_000, workDir);
}
