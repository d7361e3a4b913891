/**
 * Integration-test harness: the real origin and edge processes on ephemeral ports with a
 * temp data dir, and the ways a user talks to them (HTTP and the real CLI).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "../../core/index.ts";
import { launchPlatform, type Platform } from "../../cli/src/launcher.ts";

export interface TestPlatform extends Platform {
  /** fetch against the origin API with the admin key (or `key`). */
  api(path: string, init?: RequestInit & { key?: string; json?: unknown }): Promise<Response>;
  /** fetch against the edge node. */
  edge(path: string, init?: RequestInit): Promise<Response>;
  /** Resolves when the edge holds the origin's current config. */
  synced(): Promise<void>;
  /** Runs `bunbase <args>` against this platform. */
  cli(args: string[], options?: { cwd?: string; env?: Record<string, string> }): Promise<CliResult>;
  /** Every log line the children printed (for debugging failures). */
  lines: string[];
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function startPlatform(env: Record<string, string> = {}): Promise<TestPlatform> {
  const dataDir = mkdtempSync(join(tmpdir(), "bunbase-test-"));
  const lines: string[] = [];
  const platform = await launchPlatform({
    dataDir,
    port: 0,
    edgePort: 0,
    env: { BUNBASE_LOG_LEVEL: "info", ...env },
    onLog: (service, line) => lines.push(`${service} ${line}`),
  });
  const withKey = (key: string, init: RequestInit & { json?: unknown } = {}): RequestInit => {
    const headers = new Headers(init.headers);
    headers.set("authorization", `Bearer ${key}`);
    let body = init.body;
    if (init.json !== undefined) {
      headers.set("content-type", "application/json");
      body = JSON.stringify(init.json);
    }
    return { ...init, headers, body };
  };
  return {
    ...platform,
    lines,
    api: (path, init = {}) => fetch(platform.originUrl + path, withKey(init.key ?? platform.adminKey, init)),
    edge: (path, init) => fetch(platform.edgeUrl + path, init),
    async synced() {
      const res = await fetch(`${platform.originUrl}/internal/snapshot`, withKey(platform.nodeKey));
      const { revision } = (await res.json()) as { revision: number };
      const wait = await fetch(`${platform.edgeUrl}/__bunbase/wait?revision=${revision}&timeoutMs=10000`);
      if (wait.status !== 200) throw new Error(`edge did not reach revision ${revision}`);
    },
    cli: (args, options = {}) =>
      runCli(args, {
        cwd: options.cwd,
        env: { BUNBASE_API_URL: platform.originUrl, BUNBASE_API_KEY: platform.adminKey, ...options.env },
      }),
    async stop() {
      await platform.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function runCli(
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, "bin", "bunbase.mjs"), ...args], {
      cwd: options.cwd ?? REPO_ROOT,
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d));
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

export function tempDir(prefix = "bunbase-fn-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** The response's JSON body, after asserting its status (the body is in the failure message). */
export async function json<T = Record<string, unknown>>(res: Response, status: number): Promise<T> {
  const text = await res.text();
  assert.equal(res.status, status, text);
  return JSON.parse(text) as T;
}
