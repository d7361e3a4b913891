/**
 * `functions test`: one invocation on this machine, without any platform. The folder is
 * built like a deploy and run in an in-process IsolatePool (the same isolate runtime the
 * edge uses), with the config's environment resolved from local variables and
 * `@bunbase/sdk` served by the real data services over a local store (local-services.ts).
 */
import { newInvocationId } from "../../core/index.ts";
import type { FunctionSource, InstanceLimits, IsolatePool } from "../../edge-node/index.ts";
import type { LocalEvent, LocalInvocation } from "./event-file.ts";
import { resolveLocalEnv, type LocalEnv } from "./event-file.ts";
import type { LoadedFunction } from "./local-build.ts";
import type { LocalDataOptions } from "./local-services.ts";

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
  /** What the function's @bunbase/sdk writes published (triggers do not fire locally). */
  events: LocalEvent[];
  /** The local store the SDK calls used; absent when the function made none. */
  store?: { dir: string; temporary: boolean };
  /** Failures inside the local services that are not the function's (a broken store). */
  problems: string[];
}

/** A response body, buffered or streamed (a ReadableStream body arrives in chunks), read whole. */
async function bodyBytes(body: Uint8Array | AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  if (body instanceof Uint8Array) return body;
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}

export async function runLocally(
  fn: LoadedFunction,
  name: string,
  invocation: LocalInvocation,
  data: LocalDataOptions,
): Promise<LocalRun> {
  const [{ IsolatePool }, { startLocalServices }] = await Promise.all([
    import("../../edge-node/index.ts"),
    import("./local-services.ts"),
  ]);
  const functionId = `local-${name}`;
  const services = await startLocalServices({ functionId, name, config: fn.config }, data);
  const env = resolveLocalEnv(fn.config.environment);
  const run: LocalRun = {
    logs: [],
    durationMs: 0,
    coldStart: true,
    env,
    events: services.events,
    problems: services.problems,
  };
  try {
    const pool = new IsolatePool({
      logSink: (log) => run.logs.push({ time: log.time, level: log.level, message: log.message }),
      sdk: services.origin,
    });
    const source: FunctionSource = {
      functionId,
      name,
      version: 0,
      bundleHash: fn.build.bundleHash,
      code: fn.build.code,
      map: fn.build.map,
      exportName: fn.build.exportName,
    };
    const limits: InstanceLimits = { memoryMb: fn.config.memory, timeoutMs: fn.config.timeout * 1000 };
    try {
      await invokeOnce(pool, source, limits, invocation, run);
    } finally {
      await pool.close();
    }
  } finally {
    const dir = services.openedDir();
    if (dir !== undefined) run.store = { dir, temporary: services.temporary };
    await services.close();
  }
  return run;
}

/** Runs the invocation, filling in `run`: its response or result, or the failure's code. */
async function invokeOnce(
  pool: IsolatePool,
  source: FunctionSource,
  limits: InstanceLimits,
  invocation: LocalInvocation,
  run: LocalRun,
): Promise<void> {
  const invocationId = newInvocationId();
  const env = run.env.values;
  const started = performance.now();
  try {
    if (invocation.kind === "event") {
      const done = await pool.invokeEvent(source, limits, { invocationId, event: invocation.event, env });
      run.result = done.result;
      run.coldStart = done.meta.coldStart;
    } else {
      const { kind: _, ...request } = invocation;
      const done = await pool.invokeHttp(source, limits, { invocationId, ...request, env });
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
  }
}

function headerList(headers: unknown): [string, string][] {
  if (Array.isArray(headers)) return headers as [string, string][];
  if (headers && typeof headers === "object") return Object.entries(headers as Record<string, string>);
  return [];
}
