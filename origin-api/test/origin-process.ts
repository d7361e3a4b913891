/**
 * Integration-test harness for origin-api alone: the real `origin-api/main.ts` process on
 * port 0 with a temp data dir, and fetch helpers with its keys.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT, spawnNode, waitForListening } from "../../core/index.ts";

export interface Origin {
  url: string;
  dataDir: string;
  adminKey: string;
  nodeKey: string;
  child: ChildProcess;
  lines: string[];
  api(path: string, init?: RequestInit & { key?: string | null; json?: unknown }): Promise<Response>;
  /** Stops the process; keeps the data dir when `keepData` (for restart tests). */
  stop(keepData?: boolean): Promise<void>;
}

export async function startOrigin(options: { dataDir?: string; env?: Record<string, string> } = {}): Promise<Origin> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "bunbase-origin-"));
  const lines: string[] = [];
  const child = spawnNode(join(REPO_ROOT, "origin-api", "main.ts"), [], {
    env: { ...process.env, PORT: "0", BUNBASE_DATA_DIR: dataDir, BUNBASE_LOG_LEVEL: "info", ...options.env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await waitForListening(child, 60_000, (line) => lines.push(line));
  const adminKey = readFileSync(join(dataDir, "admin.key"), "utf8").trim();
  const nodeKey = readFileSync(join(dataDir, "node.key"), "utf8").trim();
  return {
    url,
    dataDir,
    adminKey,
    nodeKey,
    child,
    lines,
    api(path, init = {}) {
      const headers = new Headers(init.headers);
      const key = init.key === undefined ? adminKey : init.key;
      if (key !== null) headers.set("authorization", `Bearer ${key}`);
      let body = init.body;
      if (init.json !== undefined) {
        headers.set("content-type", "application/json");
        body = JSON.stringify(init.json);
      }
      return fetch(url + path, { ...init, headers, body });
    },
    async stop(keepData = false) {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((r) => child.once("exit", () => r()));
        child.kill("SIGTERM");
        const force = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(force);
      }
      if (!keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function json<T = Record<string, unknown>>(res: Response, status: number): Promise<T> {
  const text = await res.text();
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

export interface ErrorEnvelope {
  code: string;
  message: string;
  requestId: string;
  details?: Record<string, unknown>;
}

export async function errorOf(res: Response, status: number): Promise<ErrorEnvelope> {
  const body = await json<{ error: ErrorEnvelope }>(res, status);
  if (!body.error || typeof body.error.requestId !== "string")
    throw new Error(`not an error envelope: ${JSON.stringify(body)}`);
  if (res.headers.get("x-request-id") !== body.error.requestId)
    throw new Error("x-request-id does not match requestId");
  return body.error;
}

export const hello = (text = "hello") => ({
  "index.ts": `export async function handler(req: Request) { return new Response(${JSON.stringify(text)}); }\n`,
});

export const httpTrigger = (path: string, methods = ["GET", "POST"]) => [{ type: "http", path, methods }];

/** Creates a function and deploys `files` to it; returns the deployment. */
export async function createAndDeploy(
  o: Origin,
  config: Record<string, unknown> & { name: string },
  files: Record<string, string> = hello(),
): Promise<{ version: number; bundleHash: string }> {
  await json(await o.api("/functions", { method: "POST", json: config }), 201);
  return json(await o.api(`/functions/${config.name}/deploy`, { method: "POST", json: { files } }), 201);
}

/** Reads SSE events from a fetch response until `until` returns true for the list so far. */
export async function readEvents(
  res: Response,
  until: (events: { event: string; data: string }[]) => boolean,
  timeoutMs = 10_000,
): Promise<{ event: string; data: string }[]> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const events: { event: string; data: string }[] = [];
  let buffer = "";
  const deadline = setTimeout(() => void reader.cancel(), timeoutMs);
  try {
    while (!until(events)) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let idx: number;
      while ((idx = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, idx);
        buffer = buffer.slice(idx + 2);
        let event = "message";
        const data: string[] = [];
        for (const line of block.split("\n")) {
          if (line.startsWith("event:")) event = line.slice(6).trim();
          else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
        }
        if (data.length) events.push({ event, data: data.join("\n") });
      }
    }
  } finally {
    clearTimeout(deadline);
    await reader.cancel().catch(() => undefined);
  }
  return events;
}
