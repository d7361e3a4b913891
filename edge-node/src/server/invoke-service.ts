/**
 * Runs one invocation of a deployed version on this node: fetch the bundle, run it in
 * the isolate pool, record telemetry and metrics. Shared by public HTTP traffic and the
 * runner's internal invoke route.
 */
import {
  BunbaseError,
  RESPONSE_HEADERS,
  type ActiveVersion,
  type EdgeFunction,
  type Environment,
  type InvocationTrigger,
} from "../../../core/index.ts";
import type {
  EventInput,
  FunctionSource,
  HttpRequestInput,
  HttpResult,
  InstanceLimits,
  InvocationMeta,
  IsolatePool,
} from "../isolate/index.ts";
import type { BundleStore } from "./bundle-store.ts";
import type { EdgeMetrics } from "./edge-metrics.ts";
import type { TelemetryShipper } from "./telemetry-shipper.ts";

export interface Target {
  fn: EdgeFunction;
  environment: Environment;
  active: ActiveVersion;
  trigger: InvocationTrigger;
}

/**
 * Runs functions placed on the origin (containers); the origin's runner has one
 * (origin-api/src/workers/), edge nodes forward such requests to the origin instead.
 */
export interface OriginWorkers {
  invokeHttp(
    target: Target,
    input: Omit<HttpRequestInput, "env">,
  ): Promise<{ result: HttpResult; meta: InvocationMeta }>;
  invokeEvent(target: Target, input: Omit<EventInput, "env">): Promise<{ result: unknown; meta: InvocationMeta }>;
}

export type Outcome<T> =
  | { ok: true; value: T; headers: Record<string, string> }
  | { ok: false; error: BunbaseError; headers: Record<string, string> };

export class InvokeService {
  constructor(
    private readonly pool: IsolatePool,
    private readonly bundles: BundleStore,
    private readonly telemetry: TelemetryShipper,
    private readonly metrics: EdgeMetrics,
    private readonly originWorkers?: OriginWorkers,
  ) {}

  async http(target: Target, input: Omit<HttpRequestInput, "env">) {
    if (target.active.placement === "origin") {
      return this.run(target, input.invocationId, () => this.origin().invokeHttp(target, input));
    }
    return this.run(target, input.invocationId, () =>
      this.withSource(target, (source) =>
        this.pool.invokeHttp(source, limitsOf(target.fn), httpInput(input, target.active.env)),
      ),
    );
  }

  async event(target: Target, input: Omit<EventInput, "env">) {
    if (target.active.placement === "origin") {
      return this.run(target, input.invocationId, () => this.origin().invokeEvent(target, input));
    }
    return this.run(target, input.invocationId, () =>
      this.withSource(target, (source) =>
        this.pool.invokeEvent(source, limitsOf(target.fn), eventInput(input, target.active.env)),
      ),
    );
  }

  private origin(): OriginWorkers {
    if (this.originWorkers) return this.originWorkers;
    throw new BunbaseError("FN_008", "This node runs no origin workers", { status: 503 });
  }

  /** Keeps `scaling.minInstances` of the function's version loaded (an instance serves many requests). */
  async prewarm(fn: EdgeFunction, active: ActiveVersion): Promise<void> {
    const count = fn.config.scaling?.minInstances ?? 0;
    if (count <= 0) return;
    await this.pool.prewarm(await this.sourceOf(fn, active), limitsOf(fn), count, active.env);
  }

  /** Lets a prewarm()ed version go idle like any other (its minInstances went to 0, or it is no longer active). */
  async release(fn: EdgeFunction, active: ActiveVersion): Promise<void> {
    await this.pool.prewarm(await this.sourceOf(fn, active), limitsOf(fn), 0, active.env);
  }

  /**
   * One FunctionSource per version a function of the snapshot runs (made again when the
   * config changes): keyed by what the version is, not by its object, since a pinned
   * version (an A/B pin, the origin's `?version=n`) is a new object per request.
   */
  private readonly sources = new WeakMap<EdgeFunction, Map<string, FunctionSource>>();

  /** Runs `use` with the version's source: at once when it was made already (no turn of the event loop on the warm path). */
  private withSource<T>(target: Target, use: (source: FunctionSource) => Promise<T>): Promise<T> {
    const known = this.knownSource(target.fn, target.active);
    return known !== undefined ? use(known) : this.sourceOf(target.fn, target.active).then(use);
  }

  private knownSource(fn: EdgeFunction, active: ActiveVersion): FunctionSource | undefined {
    return this.sources.get(fn)?.get(sourceKey(active));
  }

  private async sourceOf(fn: EdgeFunction, active: ActiveVersion): Promise<FunctionSource> {
    const known = this.knownSource(fn, active);
    if (known !== undefined) return known;
    const bundle = await this.bundles.get(active.bundleHash);
    const source: FunctionSource = {
      functionId: fn.id,
      name: fn.name,
      version: active.version,
      bundleHash: active.bundleHash,
      code: bundle.code,
      map: bundle.map,
      exportName: active.exportName,
    };
    let versions = this.sources.get(fn);
    if (versions === undefined) this.sources.set(fn, (versions = new Map()));
    versions.set(sourceKey(active), source);
    return source;
  }

  private async run<T>(
    target: Target,
    invocationId: string,
    call: () => Promise<{ result: T; meta: InvocationMeta }>,
  ): Promise<Outcome<T> & { status?: number }> {
    const startedAt = Date.now();
    const started = performance.now();
    const concurrency = this.telemetry.beginInvocation(target.fn.id);
    const { active } = target;
    let meta: InvocationMeta | undefined;
    let outcome: Outcome<T>;
    try {
      const done = await call();
      meta = done.meta;
      outcome = { ok: true, value: done.result, headers: {} };
    } catch (err) {
      meta = (err as { meta?: InvocationMeta }).meta;
      const error =
        err instanceof Error && (err as { name?: string }).name === "BunbaseError"
          ? (err as BunbaseError)
          : new BunbaseError("FN_004", "Internal error running the function", { status: 500, cause: err });
      outcome = { ok: false, error, headers: {} };
    }
    const durationMs = Math.round((performance.now() - started) * 100) / 100;
    // Stores, not a literal with computed keys (a runtime call per key in V8).
    const headers: Record<string, string> = {};
    headers[RESPONSE_HEADERS.invocationId] = invocationId;
    headers[RESPONSE_HEADERS.version] = String(active.version);
    headers[RESPONSE_HEADERS.coldStart] = meta?.coldStart === true ? "true" : "false";
    headers[RESPONSE_HEADERS.serverTiming] = serverTiming(meta, durationMs);
    outcome.headers = headers;
    const body = outcome.ok ? (outcome.value as Partial<HttpResult> | null)?.body : undefined;
    if (outcome.ok && body !== undefined && !(body instanceof Uint8Array)) {
      // A streamed response is recorded when its last chunk went out (or it was cut: FN_004).
      const record = (failure: BunbaseError | null) => {
        const total = Math.round((performance.now() - started) * 100) / 100;
        const final: Outcome<T> = failure === null ? outcome : { ok: false, error: failure, headers: outcome.headers };
        this.record(target, startedAt, total, concurrency, meta, final);
      };
      (outcome.value as HttpResult).body = recordedStream(body, record);
    } else {
      this.record(target, startedAt, durationMs, concurrency, meta, outcome);
    }
    return outcome;
  }

  /** prom-client's label lookup hashes the labels on every call: the children are kept per series. */
  private readonly series = new Map<
    string,
    {
      invocations: ReturnType<EdgeMetrics["invocations"]["labels"]>;
      duration: ReturnType<EdgeMetrics["duration"]["labels"]>;
    }
  >();

  private seriesOf(fn: string, trigger: string, code: string) {
    const key = `${fn}\u0000${trigger}\u0000${code}`;
    let series = this.series.get(key);
    if (series === undefined) {
      series = {
        invocations: this.metrics.invocations.labels({ function: fn, trigger, code }),
        duration: this.metrics.duration.labels({ function: fn }),
      };
      this.series.set(key, series);
    }
    return series;
  }

  /** `concurrency`: the function's invocations in flight on this node when this one started. */
  private record<T>(
    target: Target,
    startedAt: number,
    durationMs: number,
    concurrency: number,
    meta: InvocationMeta | undefined,
    outcome: Outcome<T>,
  ): void {
    const status = outcome.ok ? resultStatus(outcome.value) : outcome.error.status;
    const code = outcome.ok ? "ok" : outcome.error.code;
    this.telemetry.recordInvocation(
      {
        functionId: target.fn.id,
        trigger: target.trigger,
        startedAt,
        durationMs,
        status,
        errorCode: outcome.ok ? undefined : outcome.error.code,
        coldStart: meta?.coldStart ?? false,
        cpuMs: meta?.cpuMs,
        memoryMb: meta?.memoryMb,
      },
      concurrency,
    );
    const series = this.seriesOf(target.fn.name, target.trigger, code);
    series.invocations.inc();
    series.duration.observe(durationMs / 1000);
    if (meta?.coldStart) this.metrics.coldStarts.inc({ function: target.fn.name });
  }
}

/** Passes a streamed body through and calls `done` once: at its end, its failure, or when the client left. */
function recordedStream(
  body: AsyncIterable<Uint8Array>,
  done: (failure: BunbaseError | null) => void,
): AsyncIterable<Uint8Array> {
  let recorded = false;
  const once = (failure: BunbaseError | null) => {
    if (recorded) return;
    recorded = true;
    done(failure);
  };
  return {
    [Symbol.asyncIterator]() {
      const inner = body[Symbol.asyncIterator]();
      return {
        async next() {
          try {
            const step = await inner.next();
            if (step.done) once(null);
            return step;
          } catch (error) {
            once(error instanceof BunbaseError ? error : new BunbaseError("FN_004", "The response stream failed"));
            throw error;
          }
        },
        async return() {
          once(null);
          return (await inner.return?.()) ?? { done: true, value: undefined };
        },
      };
    },
  };
}

function resultStatus(value: unknown): number {
  const status = (value as { status?: unknown } | null)?.status;
  return typeof status === "number" ? status : 200;
}

/** `server-timing` (W3C Server Timing): where the time of this invocation went. */
function serverTiming(meta: InvocationMeta | undefined, totalMs: number): string {
  const parts: string[] = [];
  if (meta) {
    const t = meta.timing;
    if (t.queueMs > 0) parts.push(`queue;dur=${t.queueMs.toFixed(2)}`);
    if (meta.coldStart && meta.container) parts.push(`container;dur=${t.isolateMs.toFixed(2)}`);
    else if (meta.coldStart)
      parts.push(`isolate;dur=${t.isolateMs.toFixed(2)}`, `compile;dur=${t.compileMs.toFixed(2)}`);
    parts.push(`run;dur=${t.runMs.toFixed(2)}`);
  }
  parts.push(`total;dur=${totalMs.toFixed(2)}`);
  return parts.join(", ");
}

/** Every key of T, optional ones included (with their `undefined`): adding a field to T fails to compile until it is copied. */
type EveryKey<T> = { [K in keyof Required<T>]: T[K] };

// The pool's inputs are written out field by field: in Node 20's V8, `{ ...input, env }`
// makes a new hidden class (and runs V8's slow path) on every call.
function httpInput(input: Omit<HttpRequestInput, "env">, env: Record<string, string>): HttpRequestInput {
  const full: EveryKey<HttpRequestInput> = {
    invocationId: input.invocationId,
    method: input.method,
    url: input.url,
    headers: input.headers,
    body: input.body,
    env,
    geo: input.geo,
    auth: input.auth,
    clientIp: input.clientIp,
  };
  return full;
}

function eventInput(input: Omit<EventInput, "env">, env: Record<string, string>): EventInput {
  const full: EveryKey<EventInput> = {
    invocationId: input.invocationId,
    event: input.event,
    env,
    handler: input.handler,
  };
  return full;
}

function sourceKey(active: ActiveVersion): string {
  return `${active.version}\u0000${active.bundleHash}\u0000${active.exportName}`;
}

const limitsByFunction = new WeakMap<EdgeFunction, InstanceLimits>();

/** The function's live config as the pool's limits: memory, timeout, concurrency, egress (`vpc`). */
function limitsOf(fn: EdgeFunction): InstanceLimits {
  let limits = limitsByFunction.get(fn);
  if (limits === undefined) {
    limits = readLimits(fn);
    limitsByFunction.set(fn, limits);
  }
  return limits;
}

function readLimits(fn: EdgeFunction): InstanceLimits {
  return {
    memoryMb: fn.config.memory ?? 128,
    timeoutMs: (fn.config.timeout ?? 30) * 1000,
    maxConcurrency: fn.config.scaling?.maxConcurrency ?? 1000,
    egress: fn.config.vpc,
  };
}
