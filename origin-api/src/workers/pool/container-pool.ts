/**
 * Origin workers' pool (docs/runtimes.md, "Scaling"): warm containers per version, HTTP
 * and event invocations sent to them over their unix socket, and the contract's codes for
 * what can go wrong: no room (429 FN_007), no start in time (503 FN_008), the timeout (504
 * FN_002, the container is killed), the memory cap (502 FN_003), a crash or a shim's
 * runtime error (502 FN_004). Their output becomes function logs; their cgroup's memory
 * and CPU the invocation's figures.
 */
import { randomBytes } from "node:crypto";
import { availableParallelism } from "node:os";
import { Pool } from "undici";
import type { FunctionConfig } from "../../../../bundler/index.ts";
import {
  BunbaseError,
  HOP_BY_HOP_HEADERS,
  SDK_TOKEN_HEADER,
  isBunbaseError,
  type Logger,
} from "../../../../core/index.ts";
import type { ContainerExit, ContainerOptions, LaunchSpec } from "../types.ts";
import { EVENT_PATH, HANDLER_HEADER, RUNTIME_ERROR_HEADER } from "../types.ts";
import type { Container as ContainerHandle } from "../runc/index.ts";
import { SdkRelay, type SdkUpstream } from "../sdk-relay/index.ts";
import { parseOutputLine, type OutputLog } from "./output-lines.ts";
import { VersionGroup, type GroupLimits, type Instance, type Lease } from "./version-group.ts";

/** What starts containers (runc/'s ContainerHost). */
export interface ContainerStarter {
  start(options: ContainerOptions): Promise<ContainerHandle>;
}

/** One deployed version as the pool runs it. */
export interface WorkerSource {
  functionId: string;
  name: string;
  version: number;
  /** `sha256:<hex>` of the version's artifact (code folder or image). */
  artifactHash: string;
  env: Record<string, string>;
  config: FunctionConfig;
}

export interface WorkerHttpInput {
  invocationId: string;
  method: string;
  /** `/path?query` as the function sees it. */
  path: string;
  headers: [string, string][];
  body: Uint8Array | AsyncIterable<Uint8Array> | null;
}

export interface WorkerMeta {
  coldStart: boolean;
  container: true;
  timing: { queueMs: number; isolateMs: number; compileMs: number; runMs: number };
  cpuMs: number;
  memoryMb: number;
}

export interface WorkerHttpResult {
  status: number;
  headers: [string, string][];
  body: AsyncIterable<Uint8Array>;
}

export interface ContainerPoolOptions {
  containers: ContainerStarter;
  /** What a version's container runs (from its artifact). */
  launchSpec(source: WorkerSource): Promise<LaunchSpec>;
  onLog(log: OutputLog, source: WorkerSource): void;
  log: Logger;
  /** Idle containers above minInstances stop after this. Default BUNBASE_WORKER_IDLE_SECONDS or 300 s. */
  idleMs?: number;
  /** From start to accepting requests. Default BUNBASE_WORKER_START_TIMEOUT_MS or 10 s. */
  startTimeoutMs?: number;
  /** Where @bunbase/sdk calls of runtime containers go; without it they get no BUNBASE_SDK_URL. */
  sdk?: SdkUpstream;
}

const MB = 1024 * 1024;
const MAX_EVENT_REPLY = 10 * MB;
const DEFAULT_MAX_INSTANCES = 10;
const SAMPLE_MS = 1000;
const TMP_MB = 64;
const PIDS = 256;

interface Slot extends Instance {
  container: ContainerHandle;
  dispatcher: Pool;
  /** Its @bunbase/sdk relay (sdk.sock), when the launch speaks the SDK protocol. */
  relay?: SdkRelay;
  /** Invocation ids it serves now, for output lines that carry none. */
  running: Set<string>;
  /** Ids of invocations that hit their timeout here (the container is being killed). */
  timedOut: Set<string>;
  lastCpu: number;
  exit?: ContainerExit;
}

export class ContainerPool {
  private readonly groups = new Map<string, { group: VersionGroup<Slot>; source: WorkerSource }>();
  private readonly sampler: NodeJS.Timeout;
  private readonly idleMs: number;
  private readonly startTimeoutMs: number;
  private closed = false;

  constructor(private readonly options: ContainerPoolOptions) {
    this.idleMs = options.idleMs ?? Number(process.env.BUNBASE_WORKER_IDLE_SECONDS ?? 300) * 1000;
    this.startTimeoutMs = options.startTimeoutMs ?? Number(process.env.BUNBASE_WORKER_START_TIMEOUT_MS ?? 10_000);
    this.sampler = setInterval(() => this.sample(), SAMPLE_MS);
    this.sampler.unref();
  }

  async invokeHttp(
    source: WorkerSource,
    input: WorkerHttpInput,
  ): Promise<{ result: WorkerHttpResult; meta: WorkerMeta }> {
    const headers = input.headers.filter(([name]) => !HOP_BY_HOP_HEADERS.has(name) && name !== SDK_TOKEN_HEADER);
    headers.push(["x-bunbase-invocation-id", input.invocationId]);
    const call = await this.call(source, input.invocationId, input.method, input.path, headers, input.body);
    return { result: { status: call.status, headers: call.headers, body: call.body }, meta: call.meta };
  }

  async invokeEvent(
    source: WorkerSource,
    input: { invocationId: string; event: Record<string, unknown>; handler?: string },
  ): Promise<{ result: unknown; meta: WorkerMeta }> {
    const headers: [string, string][] = [
      ["content-type", "application/json"],
      ["x-bunbase-invocation-id", input.invocationId],
    ];
    if (input.handler) headers.push([HANDLER_HEADER, input.handler]);
    const body = Buffer.from(JSON.stringify(input.event));
    const call = await this.call(source, input.invocationId, "POST", EVENT_PATH, headers, body);
    const text = await readAll(call.body, MAX_EVENT_REPLY);
    if (call.status < 200 || call.status > 299) {
      throw new BunbaseError("FN_004", `The event handler answered ${call.status}`, {
        details: { status: call.status },
      });
    }
    let result: unknown = null;
    if (text.length > 0) {
      try {
        const parsed = JSON.parse(text) as unknown;
        result =
          parsed && typeof parsed === "object" && "result" in parsed ? (parsed as { result: unknown }).result : parsed;
      } catch {
        result = text; // a custom image may answer with plain text
      }
    }
    call.meta.timing.runMs = performance.now() - call.runStarted;
    return { result, meta: call.meta };
  }

  /** Keeps `scaling.minInstances` containers of this version running. */
  prewarm(source: WorkerSource): void {
    const { group } = this.groupOf(source);
    group.ensure(group.limits.minInstances);
  }

  /** Stops the containers of a function's versions not in `keep` (all of them when absent). */
  evict(functionId: string, keep?: Set<number>): void {
    for (const [key, entry] of this.groups) {
      if (entry.source.functionId !== functionId || keep?.has(entry.source.version)) continue;
      this.groups.delete(key);
      entry.group.close();
    }
  }

  stats(): { versions: number; containers: number; inFlight: number } {
    let containers = 0;
    let inFlight = 0;
    for (const { group } of this.groups.values()) {
      containers += group.instances.length;
      for (const slot of group.instances) inFlight += slot.inFlight;
    }
    return { versions: this.groups.size, containers, inFlight };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sampler);
    const exits: Promise<unknown>[] = [];
    for (const { group } of this.groups.values()) {
      const slots = [...group.instances];
      group.close();
      // Shutting down: busy containers stop too (close() alone lets them drain).
      for (const slot of slots) {
        void this.stopSlot(slot);
        exits.push(slot.container.exited);
      }
    }
    this.groups.clear();
    await Promise.allSettled(exits);
  }

  private async call(
    source: WorkerSource,
    invocationId: string,
    method: string,
    path: string,
    headers: [string, string][],
    body: Uint8Array | AsyncIterable<Uint8Array> | null,
  ) {
    if (this.closed) throw new BunbaseError("FN_008", "Origin workers are shutting down");
    const { group } = this.groupOf(source);
    const acquireStarted = performance.now();
    const lease = await group.acquire();
    const startMs = lease.coldStart ? performance.now() - acquireStarted : 0;
    const slot = lease.instance;
    slot.running.add(invocationId);
    const alone = slot.inFlight === 1;
    if (alone) slot.container.resetPeak();
    const cpuBefore = slot.container.usage()?.cpuMicros ?? 0;
    const runStarted = performance.now();
    const timeoutMs = (source.config.timeout ?? 30) * 1000;
    const deadline = Date.now() + timeoutMs;
    const token = slot.relay?.begin({ functionId: source.functionId, invocationId, deadline });
    if (token !== undefined) headers.push([SDK_TOKEN_HEADER, token]);
    const abort = new AbortController();
    const timer = setTimeout(() => {
      slot.timedOut.add(invocationId);
      abort.abort();
      // The process may be stuck in anything: the container goes (contract: FN_002, killed).
      group.remove(slot);
      void slot.container.stop();
    }, timeoutMs);
    let released = false;
    const finish = () => {
      if (released) return;
      released = true;
      clearTimeout(timer);
      if (token !== undefined) slot.relay?.end(token);
      slot.running.delete(invocationId);
      group.release(slot);
    };
    const meta = (): WorkerMeta => {
      const usage = slot.container.usage();
      const share = Math.max(1, slot.inFlight);
      return {
        coldStart: lease.coldStart,
        container: true,
        timing: { queueMs: lease.coldStart ? 0 : lease.queueMs, isolateMs: startMs, compileMs: 0, runMs: 0 },
        cpuMs: usage ? Math.max(0, usage.cpuMicros - cpuBefore) / 1000 / share : 0,
        memoryMb: usage ? Math.round(((alone ? usage.memoryPeakBytes : usage.memoryBytes) / MB) * 10) / 10 : 0,
      };
    };
    let res: Awaited<ReturnType<Pool["request"]>>;
    try {
      res = await slot.dispatcher.request({
        method: method as "GET",
        path,
        headers: headers.flat(),
        body: body as Buffer | null,
        signal: abort.signal,
      });
    } catch (err) {
      finish();
      throw await this.failure(slot, invocationId, err, source);
    }
    const failure = (err: unknown) => this.failure(slot, invocationId, err, source);
    const stream = releasingBody(res.body, finish, failure);
    const status = res.statusCode;
    if (res.headers[RUNTIME_ERROR_HEADER] !== undefined && source.config.runtime !== "container") {
      const text = await readAll(stream, 64 * 1024).catch(() => "");
      const error = runtimeError(text);
      const time = new Date().toISOString();
      this.options.onLog({ level: "error", message: error.stack ?? error.message, invocationId, time }, source);
      throw error.error;
    }
    const m = meta();
    m.timing.runMs = performance.now() - runStarted;
    return { status, headers: responseHeaders(res.headers), body: stream, meta: m, runStarted };
  }

  /** Why a request to a container failed: its timeout, the memory cap, or a crash. */
  private async failure(slot: Slot, invocationId: string, err: unknown, source: WorkerSource): Promise<BunbaseError> {
    if (isBunbaseError(err)) return err;
    const timeout = source.config.timeout ?? 30;
    if (slot.timedOut.has(invocationId)) {
      return new BunbaseError("FN_002", `The function did not finish within its timeout of ${timeout} s`);
    }
    const exit = slot.exit ?? (await within(slot.container.exited, 2000));
    if (exit?.oomKilled) {
      return new BunbaseError("FN_003", `The function exceeded its memory limit of ${source.config.memory} MB`);
    }
    if (exit) {
      const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
      return new BunbaseError("FN_004", `The function's process ${how} during the request`);
    }
    this.options.log.warn({ err, function: source.name }, "request to a container failed");
    return new BunbaseError("FN_004", "The function's process closed the connection without an answer");
  }

  private groupOf(source: WorkerSource) {
    const key = groupKey(source);
    let entry = this.groups.get(key);
    if (entry === undefined) {
      const group = new VersionGroup<Slot>(
        limitsOf(source.config, this.idleMs),
        () => this.startSlot(source),
        (slot) => void this.stopSlot(slot),
        (err) =>
          this.options.log.warn({ err, function: source.name, version: source.version }, "container start failed"),
      );
      entry = { group, source };
      this.groups.set(key, entry);
    }
    return entry;
  }

  private async startSlot(source: WorkerSource): Promise<Slot> {
    const launch = await this.options.launchSpec(source);
    const env = {
      ...launch.env,
      ...source.env,
      BUNBASE_FUNCTION_NAME: source.name,
      BUNBASE_FUNCTION_VERSION: String(source.version),
    };
    const vpc = source.config.vpc;
    const egress = vpc && (vpc.egress || vpc.allowPrivateNetworks || vpc.allowedHosts.length > 0) ? vpc : null;
    // Created before the container: its first output lines already find their slot.
    const holder: { slot?: Slot } = {};
    const relay = launch.sdk && this.options.sdk ? new SdkRelay(this.options.sdk, this.options.log) : undefined;
    const container = await this.options.containers.start({
      id: containerId(source),
      launch: { ...launch, env },
      ...(relay ? { sdk: relay } : {}),
      limits: {
        memoryMb: source.config.memory ?? 128,
        cpus: cpusFor(source.config.memory ?? 128),
        pids: PIDS,
        tmpMb: TMP_MB,
      },
      egress,
      startTimeoutMs: this.startTimeoutMs,
      onOutput: (stream, line) => this.output(source, holder.slot, stream, line),
    });
    const targetConcurrency = limitsOf(source.config, this.idleMs).targetConcurrency;
    const slot: Slot = {
      container,
      dispatcher: new Pool("http://function.invalid", {
        socketPath: container.socketPath,
        connections: targetConcurrency,
        keepAliveTimeout: 60_000,
        headersTimeout: 0,
        bodyTimeout: 0,
      }),
      relay,
      running: new Set(),
      timedOut: new Set(),
      inFlight: 0,
      served: 0,
      idleSince: performance.now(),
      pressured: false,
      retired: false,
      lastCpu: 0,
    };
    holder.slot = slot;
    const started = slot;
    void container.exited.then((exit) => {
      started.exit = exit;
      void started.dispatcher.destroy().catch(() => undefined);
      const entry = this.groups.get(groupKey(source));
      if (!started.retired) {
        this.options.log.warn({ function: source.name, version: source.version, ...exit }, "container exited");
        entry?.group.remove(started);
      }
    });
    return slot;
  }

  private async stopSlot(slot: Slot): Promise<void> {
    await slot.container.stop().catch((err: unknown) => this.options.log.warn({ err }, "container stop failed"));
  }

  private output(source: WorkerSource, slot: Slot | undefined, stream: "stdout" | "stderr", line: string): void {
    const log = parseOutputLine(stream, line);
    if (log.invocationId === undefined && slot?.running.size === 1) log.invocationId = [...slot.running][0];
    this.options.onLog(log, source);
  }

  /** Marks containers near their memory or CPU limit, so new requests start another. */
  private sample(): void {
    for (const { group, source } of this.groups.values()) {
      const memory = (source.config.memory ?? 128) * MB;
      const cpuBudget = cpusFor(source.config.memory ?? 128) * SAMPLE_MS * 1000;
      for (const slot of group.instances) {
        const usage = slot.container.usage();
        if (usage === null) continue;
        const cpu = slot.lastCpu === 0 ? 0 : usage.cpuMicros - slot.lastCpu;
        slot.lastCpu = usage.cpuMicros;
        slot.pressured = usage.memoryBytes > 0.9 * memory || cpu > 0.9 * cpuBudget;
      }
    }
    for (const [key, entry] of this.groups) if (entry.group.reap()) this.groups.delete(key);
  }
}

/** The config's scaling block for containers: one request per container unless targetConcurrency says more. */
export function limitsOf(config: FunctionConfig, idleMs: number): GroupLimits {
  const scaling = config.scaling ?? { minInstances: 0, maxConcurrency: 1000 };
  const maxInstances = scaling.maxInstances ?? Math.max(DEFAULT_MAX_INSTANCES, scaling.minInstances ?? 0);
  return {
    targetConcurrency: scaling.targetConcurrency ?? 1,
    minInstances: scaling.minInstances ?? 0,
    maxInstances,
    maxConcurrency: scaling.maxConcurrency ?? 1000,
    // Waiting longer than the function may run makes no sense; nor does waiting past 30 s.
    queueTimeoutMs: Math.min((config.timeout ?? 30) * 1000, 30_000),
    idleMs,
  };
}

/** CPU like Lambda's, proportional to memory (1 core per GB), but never under one core nor over the machine. */
function cpusFor(memoryMb: number): number {
  return Math.min(availableParallelism(), Math.max(1, memoryMb / 1024));
}

function groupKey(source: WorkerSource): string {
  return JSON.stringify([
    source.functionId,
    source.version,
    source.artifactHash,
    source.env,
    source.config.memory,
    source.config.timeout,
    source.config.scaling,
    source.config.vpc,
  ]);
}

function containerId(source: WorkerSource): string {
  const name = source.name.replace(/[^a-z0-9-]/g, "").slice(0, 24);
  return `${name}-v${source.version}-${randomBytes(5).toString("hex")}`;
}

function responseHeaders(headers: Record<string, string | string[] | undefined>): [string, string][] {
  const out: [string, string][] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP_HEADERS.has(name) || name === RUNTIME_ERROR_HEADER) continue;
    if (Array.isArray(value)) for (const v of value) out.push([name, v]);
    else out.push([name, value]);
  }
  return out;
}

/**
 * The body as the caller reads it: the lease ends when it ends, fails or is dropped. An
 * explicit iterator, not a generator: `return()` on a generator that never started skips
 * its `finally`, and a HEAD or 204 answer drops the body without reading it.
 */
function releasingBody(
  body: AsyncIterable<Uint8Array>,
  finish: () => void,
  failure: (err: unknown) => Promise<BunbaseError>,
): AsyncIterable<Uint8Array> {
  return {
    [Symbol.asyncIterator]() {
      const inner = body[Symbol.asyncIterator]();
      return {
        async next() {
          try {
            const step = await inner.next();
            if (step.done) finish();
            return step;
          } catch (err) {
            finish();
            throw await failure(err);
          }
        },
        async return() {
          finish();
          await inner.return?.(); // closes the container's response
          return { done: true as const, value: undefined };
        },
      };
    },
  };
}

async function readAll(body: AsyncIterable<Uint8Array>, max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > max) throw new BunbaseError("FN_004", `The function's answer is over ${max / MB} MB`);
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** A shim's `x-bunbase-runtime-error` answer: the handler threw (the stack goes to the logs, not the client). */
function runtimeError(text: string): { error: BunbaseError; stack?: string; message: string } {
  let message = "The handler failed";
  let stack: string | undefined;
  try {
    const parsed = JSON.parse(text) as { error?: { message?: unknown; stack?: unknown } };
    if (typeof parsed.error?.message === "string") message = parsed.error.message;
    if (typeof parsed.error?.stack === "string") stack = parsed.error.stack;
  } catch {
    // not JSON: the generic message stands
  }
  return { error: new BunbaseError("FN_004", `Uncaught error: ${message}`), stack, message };
}

function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), ms);
    void promise.then((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

export type { Lease };
