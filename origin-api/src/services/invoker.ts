/**
 * Runs a function now through the runner (`POST <runner>/__bunbase/invoke`, see
 * docs/internals/design.md) and hands back its response as is, x-bunbase-* headers
 * included. HTTP shape: the body with its content-type; event shape: a CloudEvents-shaped
 * event (contract 2.6).
 */
import { Readable } from "node:stream";
import { request } from "undici";
import {
  BunbaseError,
  errorCode,
  HOP_BY_HOP_HEADERS,
  INTERNAL_HEADERS,
  invalid,
  isBunbaseError,
  neverSent,
  newInvocationId,
  type Environment,
} from "../../../core/index.ts";
import type { FunctionRow, Store } from "../store/index.ts";
import type { Runner } from "./runner.ts";
import type { Prometheus } from "./prometheus.ts";
import { runsOnOrigin } from "./snapshot.ts";
import { statsOfRecords } from "./telemetry.ts";

export interface InvokeInput {
  environment: Environment;
  version?: number;
  /** Set for an event invocation. */
  eventType?: string;
  body: Uint8Array | null;
  contentType?: string;
  /** The caller's query minus the API's own parameters, e.g. `?page=2`. */
  query: string;
  invocationId?: string;
  attempt?: number;
  /** A prebuilt event (the delivery engine, contract 2.6): sent as is, with `eventType` as its type. */
  event?: object;
  /** The trigger's own handler (an export of the entry file, or `file.export`): the one an event invocation calls. */
  handler?: string;
}

const EVENT_TYPE = /^[A-Za-z][A-Za-z0-9._:-]{0,99}$/;

export class Invoker {
  constructor(
    private readonly store: Store,
    private readonly runner: Runner,
    private readonly prometheus?: Prometheus,
  ) {}

  async invoke(fn: FunctionRow, input: InvokeInput, signal?: AbortSignal): Promise<Response> {
    const invocationId = input.invocationId ?? newInvocationId();
    const headers: Record<string, string> = {
      [INTERNAL_HEADERS.token]: this.runner.token,
      [INTERNAL_HEADERS.functionId]: fn.id,
      [INTERNAL_HEADERS.environment]: input.environment,
      [INTERNAL_HEADERS.invocationId]: invocationId,
      [INTERNAL_HEADERS.revision]: String(this.store.functions.revision()),
      [INTERNAL_HEADERS.trigger]: input.eventType ? "event" : "invoke",
      [INTERNAL_HEADERS.query]: input.query,
    };
    Object.assign(headers, this.pinHeaders(fn, input));
    let body = input.body;
    if (input.eventType && input.handler) headers[INTERNAL_HEADERS.handler] = exportOf(input.handler);
    if (input.eventType) {
      headers[INTERNAL_HEADERS.eventType] = input.eventType;
      headers["content-type"] = "application/json";
      const event = input.event ?? buildEvent(invocationId, input.eventType, input.body, input.attempt ?? 1);
      body = Buffer.from(JSON.stringify(event));
    } else if (input.contentType) {
      headers["content-type"] = input.contentType;
    }
    const startedAt = Date.now();
    let res: Awaited<ReturnType<typeof request>>;
    try {
      const url = await this.runner.ready();
      res = await request(new URL("/__bunbase/invoke", url), {
        method: "POST",
        headers,
        body: body ?? undefined,
        signal,
        // The function's own timeout (up to 900 s) rules, and streamed bodies may be long-lived.
        headersTimeout: 960_000,
        bodyTimeout: 0,
      });
    } catch (err) {
      if (signal?.aborted) throw err;
      this.runner.markUnreachable();
      const error = isBunbaseError(err)
        ? err
        : new BunbaseError("FN_008", "The runner could not be reached", { cause: err });
      if (isBunbaseError(err) || neverSent(errorCode(err))) this.recordUnreached(fn, input, startedAt, error);
      throw error;
    }
    const out = new Headers();
    for (const [name, value] of Object.entries(res.headers)) {
      if (value === undefined || HOP_BY_HOP_HEADERS.has(name)) continue;
      for (const v of Array.isArray(value) ? value : [value]) out.append(name, v);
    }
    const stream = Readable.toWeb(res.body) as ReadableStream<Uint8Array>;
    const noBody = res.statusCode === 204 || res.statusCode === 304;
    if (noBody) await res.body.dump();
    return new Response(noBody ? null : stream, { status: res.statusCode, headers: out });
  }

  /**
   * The runner never saw this invocation (it was not ready, or refused the connection), so
   * no telemetry will report it: counted here. A request that reached the runner is its to
   * report, even when the answer never came back: counting it here too would count it twice.
   */
  private recordUnreached(fn: FunctionRow, input: InvokeInput, startedAt: number, error: BunbaseError): void {
    const sample = {
      functionId: fn.id,
      trigger: input.eventType ? ("event" as const) : ("invoke" as const),
      startedAt,
      durationMs: Date.now() - startedAt,
      status: error.status,
      errorCode: error.code,
      coldStart: false,
    };
    for (const stats of statsOfRecords([sample])) this.store.invocationStats.add(stats, "origin");
    this.prometheus?.invocations.inc({ trigger: sample.trigger, code: error.code });
  }

  /**
   * `?version=n`: the runner runs that version's bundle with the environment's variables.
   * Throws when there is nothing to run (no active version, unknown version).
   */
  pinHeaders(fn: FunctionRow, input: Pick<InvokeInput, "environment" | "version">): Record<string, string> {
    if (input.version === undefined) {
      if (this.store.versions.active(fn.id)[input.environment] === undefined) {
        throw new BunbaseError("FN_001", `Function ${fn.name} has no version deployed to ${input.environment}`);
      }
      return {};
    }
    const v = this.store.versions.get(fn.id, input.version);
    if (!v) throw invalid("version", `function ${fn.name} has no version ${input.version}`);
    return {
      [INTERNAL_HEADERS.version]: String(v.version),
      [INTERNAL_HEADERS.bundleHash]: v.bundleHash,
      [INTERNAL_HEADERS.exportName]: v.exportName,
      ...(runsOnOrigin(v.config) ? { [INTERNAL_HEADERS.placement]: "origin" } : {}),
    };
  }
}

export function parseEventType(value: string): string {
  if (!EVENT_TYPE.test(value)) throw invalid("event", "an event type is letters, digits and . _ : - (up to 100)");
  return value;
}

/** The Event a background handler gets (contract 2.6, CloudEvents 1.0 field names). */
export function buildEvent(id: string, type: string, body: Uint8Array | null, attempt: number) {
  let data: unknown = null;
  if (body && body.byteLength > 0) {
    try {
      data = JSON.parse(Buffer.from(body).toString("utf8"));
    } catch {
      throw invalid("body", "an event's data must be JSON");
    }
  }
  return { id, type, source: "bunbase/invoke", time: new Date().toISOString(), data, metadata: { attempt } };
}

/** `index.onUpload` -> `onUpload`: a trigger's handler names an export of the entry file. */
function exportOf(handler: string): string {
  return handler.slice(handler.lastIndexOf(".") + 1);
}
