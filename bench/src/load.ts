/**
 * Load generators: wrk (preferred) or autocannon at fixed connections, and undici for
 * many requests in flight at once. Every loop here is bounded in count and in time.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { Agent, request } from "undici";
import { BENCH_DIR, hasCommand } from "./setup.ts";

const run = promisify(execFile);

export interface LoadResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Non-2xx responses plus socket errors. */
  errors: number;
  requests: number;
}

export interface LoadOptions {
  connections: number;
  seconds: number;
}

export function loadTool(): "wrk" | "autocannon" {
  return hasCommand("wrk") ? "wrk" : "autocannon";
}

export async function loadTest(url: string, options: LoadOptions): Promise<LoadResult> {
  return loadTool() === "wrk" ? wrk(url, options) : autocannon(url, options);
}

function toMs(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text.trim());
  if (!m) return Number.NaN;
  const scale = { us: 0.001, ms: 1, s: 1000, m: 60_000 }[m[2] as "us" | "ms" | "s" | "m"];
  return Number(m[1]) * scale;
}

async function wrk(url: string, { connections, seconds }: LoadOptions): Promise<LoadResult> {
  const args = ["-t1", `-c${connections}`, `-d${seconds}s`, "--latency", "--timeout", "5s", url];
  const { stdout } = await run("wrk", args, { timeout: (seconds + 30) * 1000 });
  const pick = (re: RegExp) => re.exec(stdout)?.[1];
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  const errors =
    Number(pick(/Non-2xx or 3xx responses: (\d+)/) ?? 0) +
    (socketErrors ? socketErrors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0);
  return {
    rps: Number(pick(/Requests\/sec:\s+([\d.]+)/)),
    p50Ms: toMs(pick(/\s50%\s+(\S+)/) ?? ""),
    p99Ms: toMs(pick(/\s99%\s+(\S+)/) ?? ""),
    errors,
    requests: Number(pick(/(\d+) requests in/)),
  };
}

async function autocannon(url: string, { connections, seconds }: LoadOptions): Promise<LoadResult> {
  const cli = join(BENCH_DIR, "node_modules", ".bin", "autocannon");
  const { stdout } = await run(cli, ["-j", "-c", String(connections), "-d", String(seconds), url], {
    timeout: (seconds + 30) * 1000,
    maxBuffer: 16 * 1024 * 1024,
  });
  const r = JSON.parse(stdout) as {
    requests: { average: number; total: number };
    latency: { p50: number; p99: number };
    non2xx: number;
    errors: number;
    timeouts: number;
  };
  return {
    rps: r.requests.average,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    errors: r.non2xx + r.errors + r.timeouts,
    requests: r.requests.total,
  };
}

export interface BurstResult {
  ok: number;
  total: number;
  seconds: number;
  /** The first failure seen, if any (status or error message). */
  firstError?: string;
}

/** `count` requests started at once on `count` connections; each must finish within `timeoutMs`. */
export async function burst(url: string, count: number, timeoutMs = 30_000): Promise<BurstResult> {
  const agent = new Agent({ connections: count, pipelining: 1, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  let firstError: string | undefined;
  const started = performance.now();
  try {
    const outcomes = await Promise.all(
      Array.from({ length: count }, async () => {
        try {
          const res = await request(url, { dispatcher: agent, signal: AbortSignal.timeout(timeoutMs) });
          await res.body.text();
          if (res.statusCode !== 200) firstError ??= `status ${res.statusCode}`;
          return res.statusCode === 200;
        } catch (err) {
          firstError ??= (err as Error).message;
          return false;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    return { ok: outcomes.filter(Boolean).length, total: count, seconds, firstError };
  } finally {
    await agent.close();
  }
}

export interface TransferResult {
  mbPerSec: number;
  ok: boolean;
  detail?: string;
}

/** Uploads (POST) or downloads (GET) `bytes` through `url`, `rounds` times; MB/s over the whole. */
export async function transfer(
  url: string,
  direction: "up" | "down",
  bytes: number,
  rounds: number,
): Promise<TransferResult> {
  const payload = direction === "up" ? new Uint8Array(bytes).fill(98) : undefined;
  const started = performance.now();
  for (let i = 0; i < rounds; i++) {
    const res = await request(direction === "up" ? url : `${url}?bytes=${bytes}`, {
      method: direction === "up" ? "POST" : "GET",
      body: payload,
      signal: AbortSignal.timeout(30_000),
    });
    const body = Buffer.from(await res.body.arrayBuffer());
    const got = direction === "up" ? Number(body.toString()) : body.length;
    if (res.statusCode !== 200 || got !== bytes)
      return { mbPerSec: Number.NaN, ok: false, detail: `status ${res.statusCode}: ${body.toString().slice(0, 160)}` };
  }
  const seconds = (performance.now() - started) / 1000;
  return { mbPerSec: (bytes * rounds) / 1e6 / seconds, ok: true };
}
