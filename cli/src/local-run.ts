/**
 * `functions test`: one invocation on this machine, without any server. The folder is
 * built like a deploy and run in an in-process IsolatePool (the same isolate runtime the
 * edge uses), with the config's environment resolved from local variables.
 */
import { newInvocationId } from "../../core/index.ts";
import type { LocalInvocation } from "./event-file.ts";
import { resolveLocalEnv, type LocalEnv } from "./event-file.ts";
import type { LoadedFunction } from "./local-build.ts";

export interface LocalLog {
  time: string;
  level: string;
  message: string;
}

export interface LocalResponse {
  status: number;
  headers: [string, string][];
  body: string;
}

export interface LocalRun {
  /** HTTP invocations. */
  response?: LocalResponse;
  /** Event invocations: the handler's return value. */
  result?: unknown;
  /** A failed invocation (FN_002/3/4). */
  error?: { code: string; message: string; details?: Record<string, unknown> };
  logs: LocalLog[];
  durationMs: number;
  coldStart: boolean;
  env: LocalEnv;
}

/** A response body, buffered or streamed (a ReadableStream body arrives in chunks), read whole. */
async function bodyBytes(body: Uint8Array | AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  if (body instanceof Uint8Array) return body;
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}

export async function runLocally(fn: LoadedFunction, name: string, invocation: LocalInvocation): Promise<LocalRun> {
  const { IsolatePool } = await import("../../edge-node/index.ts");
  const logs: LocalLog[] = [];
  const pool = new IsolatePool({
    logSink: (log) => logs.push({ time: log.time, level: log.level, message: log.message }),
  });
  const env = resolveLocalEnv(fn.config.environment);
  const source = {
    functionId: `local-${name}`,
    name,
    version: 0,
    bundleHash: fn.build.bundleHash,
    code: fn.build.code,
    map: fn.build.map,
    exportName: fn.build.exportName,
  };
  const limits = { memoryMb: fn.config.memory, timeoutMs: fn.config.timeout * 1000 };
  const invocationId = newInvocationId();
  const started = performance.now();
  const run: LocalRun = { logs, durationMs: 0, coldStart: true, env };
  try {
    if (invocation.kind === "event") {
      const done = await pool.invokeEvent(source, limits, { invocationId, event: invocation.event, env: env.values });
      run.result = done.result;
      run.coldStart = done.meta.coldStart;
    } else {
      const { kind: _, ...request } = invocation;
      const done = await pool.invokeHttp(source, limits, { invocationId, ...request, env: env.values });
      run.response = {
        status: done.result.status,
        headers: headerList(done.result.headers),
        body: new TextDecoder().decode(await bodyBytes(done.result.body)),
      };
      run.coldStart = done.meta.coldStart;
    }
  } catch (err) {
    const e = err as { code?: unknown; message?: string; details?: Record<string, unknown> };
    if (typeof e.code !== "string") throw err;
    run.error = { code: e.code, message: e.message ?? String(err), ...(e.details ? { details: e.details } : {}) };
  } finally {
    run.durationMs = Math.round((performance.now() - started) * 100) / 100;
    await pool.close();
  }
  return run;
}

function headerList(headers: unknown): [string, string][] {
  if (Array.isArray(headers)) return headers as [string, string][];
  if (headers && typeof headers === "object") return Object.entries(headers as Record<string, string>);
  return [];
}
