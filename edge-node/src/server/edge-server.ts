/**
 * The edge node's request path: internal routes under `/__bunbase/`, then the route
 * table, then the isolate. Everything user-visible leaves through writeResult/writeError
 * with the contract's headers and error envelope.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { timingSafeEqual } from "node:crypto";
import {
  BunbaseError,
  ENVIRONMENTS,
  INTERNAL_HEADERS,
  Memo,
  newInvocationId,
  type ActiveVersion,
  type Environment,
  type Logger,
} from "../../../core/index.ts";
import { clientAddress, GEO_HEADER_NAMES, geoHeaders, TrustedProxies } from "../../../geo/index.ts";
import type { GeoDatabase, GeoInfo } from "../../../geo/index.ts";
import { EdgeGate, headerRecord, mergeHeaders, rateLimitStore, withRequestHeaders } from "../rules/index.ts";
import type { Claims, HeaderList, RateLimitStore } from "../rules/index.ts";
import { isClusterWorker } from "./cluster-messages.ts";
import type { EdgeMetrics } from "./edge-metrics.ts";
import type { FleetRevision } from "./fleet-revision.ts";
import { headerPairs, readBody, requestBody, writeError, writeResponse, writeResult } from "./http-io.ts";
import type { InvokeService, Target } from "./invoke-service.ts";
import type { OriginSync } from "./origin-sync.ts";
import { FORWARDED_SIG } from "./forward-signature.ts";
import type { OriginForwarder } from "./origin-forwarder.ts";
import type { RegionForwarder } from "./region-forwarder.ts";
import { RouteTable } from "./route-table.ts";

export interface EdgeServerOptions {
  nodeName: string;
  /** Runner mode: no public routes, only the internal invoke route. */
  runner: boolean;
  internalToken?: string;
  sync: OriginSync;
  invoker: InvokeService;
  metrics: EdgeMetrics;
  /** Which config revision this node holds (all its cluster workers). */
  revisions: FleetRevision;
  /** The isolate pool's counters, shown by `/__bunbase/health`. */
  poolStats: () => object;
  log: Logger;
  /** BUNBASE_GEOIP_DB opened (geo headers, ctx.geo, edge.geo rules); null: no geo. */
  geo?: GeoDatabase | null;
  /** Whose x-forwarded-for is believed (BUNBASE_TRUSTED_PROXIES). */
  trustedProxies?: TrustedProxies;
  /** Sends requests a geo rule assigns to another region to a node there; absent: served here. */
  regions?: RegionForwarder;
  /** The node's rate limit counters, shared with the isolate pool (the SDK's rateLimit()). Default: this process's. */
  rateLimits?: RateLimitStore;
  /** Sends requests for origin-placed functions to the origin (edge nodes; the runner runs them itself). */
  origin?: OriginForwarder;
}

export class EdgeServer {
  private routes = new RouteTable([]);
  private webhooks = new RouteTable([], "webhook");
  private readonly gate: EdgeGate;
  private readonly trusted: TrustedProxies;

  constructor(private readonly options: EdgeServerOptions) {
    this.trusted = options.trustedProxies ?? TrustedProxies.fromEnv();
    this.gate = new EdgeGate({
      rateLimits: options.rateLimits ?? rateLimitStore(isClusterWorker()),
      onAssignment: (fn, test, variant) => options.metrics.abAssignments.inc({ function: fn.name, test, variant }),
    });
    const apply = () => {
      this.routes = new RouteTable(options.sync.snapshot.functions);
      this.webhooks = new RouteTable(options.sync.snapshot.functions, "webhook");
      options.metrics.configRevision.set(options.sync.snapshot.revision);
    };
    options.sync.on("snapshot", apply);
    apply();
  }

  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    const invocationId = newInvocationId();
    this.dispatch(req, res, invocationId).catch((err) => {
      const error = writeError(res, err, invocationId, { "x-bunbase-edge-node": this.options.nodeName });
      if (error.status >= 500 && error.code === "FN_004")
        this.options.log.error({ err, invocationId }, "edge request failed");
    });
  };

  private async dispatch(req: IncomingMessage, res: ServerResponse, invocationId: string): Promise<void> {
    const url = requestTargets.get(req.url ?? "/", parseTarget);
    if (url.pathname.startsWith("/__bunbase/")) return this.internal(req, res, url, invocationId);
    if (this.options.runner) throw new BunbaseError("FN_001", "This node is a runner: it serves no public routes");
    const method = req.method ?? "GET";
    const match = this.route(req, method, url.pathname);
    if (!("fn" in match)) {
      if (url.pathname === "/metrics" && method === "GET") return this.prometheus(res);
      if (this.options.origin && "fn" in this.webhooks.match(method, url.pathname))
        return this.options.origin.forwardWebhook(req, res, url.pathname + url.search, invocationId);
      if (match.methodMismatch) {
        throw new BunbaseError("FN_006", `Method ${method} is not allowed for ${url.pathname}`, {
          status: 405,
          details: { path: "method" },
        });
      }
      throw new BunbaseError("FN_001", `No function serves ${method} ${url.pathname}`);
    }
    const environment = pickEnvironment(req.headers[INTERNAL_HEADERS.environment]);
    const active = match.fn.versions[environment];
    if (!active)
      throw new BunbaseError("FN_001", `Function ${match.fn.name} has no version deployed to ${environment}`);
    const node = { "x-bunbase-edge-node": this.options.nodeName };
    // A request another fleet node forwarded (signed): its client address is the one it vouches for.
    const forwardedClient = this.options.regions?.forwardedClient(req) ?? null;
    const client = forwardedClient ?? this.clientOf(req);
    const geo = this.locate(client);
    let call: EdgeCall = { target: { fn: match.fn, environment, active, trigger: "http" }, path: req.url ?? "/" };
    if (EdgeGate.rulesOf(match.fn, active) !== undefined) {
      const admitted = await this.admit(req, url, call.target, geo, client, forwardedClient !== null);
      if (admitted.action === "answer") return writeResult(res, admitted.status, admitted.headers, null, node);
      if (admitted.action === "reject")
        return void writeError(res, admitted.error, invocationId, Object.assign(headerRecord(admitted.headers), node));
      call = admitted;
      const regions = this.options.regions;
      if (call.region !== undefined && regions !== undefined) {
        const timeoutSeconds = call.target.fn.config.timeout ?? 30;
        const forward = { requestId: invocationId, timeoutSeconds, errorHeaders: node };
        if (await regions.forward(req, res, call.region, forwardedClient !== null, forward)) return;
      }
    }
    if (call.target.active.placement === "origin" && this.options.origin) {
      const added = call.requestHeaders ?? [];
      const geoPairs = geo === null ? [] : Object.entries(geoHeaders(geo));
      return this.options.origin.forward(req, res, {
        target: call.target,
        path: call.path,
        invocationId,
        revision: this.options.sync.snapshot.revision,
        requestHeaders: [...geoPairs, ...added],
        responseHeaders: [...(call.responseHeaders ?? []), ["x-bunbase-edge-node", this.options.nodeName]],
        errorHeaders: Object.assign(headerRecord(call.responseHeaders ?? []), node),
      });
    }
    const body = method === "GET" || method === "HEAD" ? null : await requestBody(req);
    const host = req.headers.host ?? "localhost";
    const forwarded = clientHeaders(req, geo);
    const outcome = await this.options.invoker.http(call.target, {
      invocationId,
      method,
      url: `http://${host}${call.path}`,
      headers: call.requestHeaders ? withRequestHeaders(forwarded, call.requestHeaders) : forwarded,
      body,
      auth: call.auth,
      geo: geo === null ? null : { ...geo },
      clientIp: client,
    });
    const edgeHeaders = call.responseHeaders ?? [];
    const extra = outcome.headers; // this request's own object
    extra["x-bunbase-edge-node"] = this.options.nodeName;
    if (!outcome.ok) {
      writeError(res, outcome.error, invocationId, Object.assign(headerRecord(edgeHeaders), extra));
      return;
    }
    const result = outcome.value;
    const headers = mergeHeaders(result.headers, edgeHeaders);
    await writeResponse(res, result.status, headers, result.body, extra, method === "HEAD");
  }

  /**
   * The client's address: the socket peer, or with trusted proxies what their
   * x-forwarded-for vouches for. Without trusted proxies it is the peer's, worked out
   * once per connection (keep-alive clients send many requests on one).
   */
  private clientOf(req: IncomingMessage): string {
    const socket = req.socket;
    if (this.trusted.size > 0)
      return clientAddress(socket.remoteAddress, req.headers["x-forwarded-for"], this.trusted) ?? "";
    let peer = peers.get(socket);
    if (peer === undefined) {
      peer = clientAddress(socket.remoteAddress, undefined, this.trusted) ?? "";
      peers.set(socket, peer);
    }
    return peer;
  }

  /** The client's location (contract section 5), when this node has a GeoIP database. */
  private locate(client: string): GeoInfo | null {
    const db = this.options.geo;
    return db && client !== "" ? db.lookup(client) : null;
  }

  /** A CORS preflight is routed as the request it announces, when that function has a cors rule. */
  private route(req: IncomingMessage, method: string, pathname: string): ReturnType<RouteTable["match"]> {
    const match = this.routes.match(method, pathname);
    const announced = method === "OPTIONS" ? header(req, "access-control-request-method") : undefined;
    if ("fn" in match || announced === undefined) return match;
    const preflight = this.routes.match(announced.toUpperCase(), pathname);
    if (!("fn" in preflight)) return match;
    const environment = pickEnvironment(req.headers[INTERNAL_HEADERS.environment]);
    return EdgeGate.rulesOf(preflight.fn, preflight.fn.versions[environment])?.cors ? preflight : match;
  }

  /** The function's `edge` rules (rules/): an answer or rejection of the edge's own, or what to invoke. */
  private async admit(
    req: IncomingMessage,
    url: RequestTarget,
    target: Target,
    geo: GeoInfo | null,
    clientIp: string,
    forwarded: boolean,
  ) {
    const method = req.method ?? "GET";
    // A forwarded request's x-forwarded-for names fleet hops: its rules never see it.
    const headers = forwarded ? Object.assign({}, req.headers, { "x-forwarded-for": undefined }) : req.headers;
    const request = { method, url: url.pathname + url.search, headers, clientIp, geo };
    const admitted = await this.gate.admit(request, target, (pathname) => {
      const next = this.routes.match(method, pathname);
      return "fn" in next ? { fn: next.fn, active: next.fn.versions[target.environment] } : undefined;
    });
    if (admitted.action !== "invoke") return admitted;
    const { fn, active, url: path, requestHeaders, responseHeaders, auth, region } = admitted;
    const call: EdgeCall = {
      target: { fn, environment: target.environment, active, trigger: target.trigger },
      path,
      requestHeaders,
      responseHeaders,
      auth,
      region,
    };
    return { action: "invoke" as const, ...call };
  }

  private async internal(
    req: IncomingMessage,
    res: ServerResponse,
    url: RequestTarget,
    invocationId: string,
  ): Promise<void> {
    const snapshot = this.options.sync.snapshot;
    switch (url.pathname) {
      case "/__bunbase/health":
        return writeJson(res, 200, {
          status: "ok",
          node: this.options.nodeName,
          pid: process.pid,
          revision: snapshot.revision,
          functions: snapshot.functions.length,
          isolates: this.options.poolStats(),
        });
      case "/__bunbase/wait": {
        const query = new URLSearchParams(url.search);
        const revision = Number(query.get("revision") ?? 0);
        const timeoutMs = Math.min(Number(query.get("timeoutMs") ?? 5000), 30_000);
        const reached = await this.waitForRevision(revision, timeoutMs);
        return writeJson(res, reached ? 200 : 504, { revision: this.options.sync.snapshot.revision });
      }
      case "/__bunbase/metrics":
        return this.prometheus(res);
      case "/__bunbase/invoke":
        return this.internalInvoke(req, res, invocationId);
      default:
        if (url.pathname.startsWith(RUN_PREFIX)) return this.internalRun(req, res, url, invocationId);
        throw new BunbaseError("FN_001", `No internal route ${url.pathname}`);
    }
  }

  private async prometheus(res: ServerResponse): Promise<void> {
    const text = await this.options.metrics.scrape();
    writeResult(res, 200, [["content-type", this.options.metrics.registry.contentType]], text, {});
  }

  private waitForRevision(revision: number, timeoutMs: number): Promise<boolean> {
    return this.options.revisions.wait(revision, timeoutMs);
  }

  /** The origin's token and config revision of an internal call: refused, or this node holds that config. */
  private async checkInternal(req: IncomingMessage): Promise<void> {
    const token = this.options.internalToken;
    const given = header(req, INTERNAL_HEADERS.token);
    if (!token || !given || !safeEqual(token, given))
      throw new BunbaseError("FN_009", "Internal route", { status: 401 });
    const revision = Number(header(req, INTERNAL_HEADERS.revision) ?? 0);
    if (revision > 0 && !(await this.waitForRevision(revision, 10_000))) {
      throw new BunbaseError("FN_008", "This node did not receive the latest configuration in time");
    }
  }

  /**
   * `/__bunbase/run/<path>` (runner): a request an edge node forwarded through the origin
   * API for an origin-placed function, with the client's method, path, headers and body.
   */
  private async internalRun(
    req: IncomingMessage,
    res: ServerResponse,
    url: RequestTarget,
    fallbackId: string,
  ): Promise<void> {
    await this.checkInternal(req);
    const target: Target = this.resolveTarget(req, "http");
    const invocationId = header(req, INTERNAL_HEADERS.invocationId) ?? fallbackId;
    const method = req.method ?? "GET";
    const path = (url.pathname.slice(RUN_PREFIX.length - 1) || "/") + url.search;
    const host = header(req, "x-forwarded-host") ?? req.headers.host ?? "localhost";
    const outcome = await this.options.invoker.http(target, {
      invocationId,
      method,
      url: `http://${host}${path}`,
      headers: headerPairs(req).filter(([name]) => !INTERNAL_HEADER_NAMES.has(name)),
      body: method === "GET" || method === "HEAD" ? null : await requestBody(req),
    });
    if (!outcome.ok) return void writeError(res, outcome.error, invocationId, outcome.headers);
    const result = outcome.value;
    await writeResponse(res, result.status, result.headers, result.body, outcome.headers, method === "HEAD");
  }

  /** `POST /__bunbase/invoke`: how the origin runs a function (docs/internals/design.md). */
  private async internalInvoke(req: IncomingMessage, res: ServerResponse, fallbackId: string): Promise<void> {
    await this.checkInternal(req);
    if (req.method !== "POST")
      throw new BunbaseError("FN_006", "Use POST", { status: 405, details: { path: "method" } });
    const eventType = header(req, INTERNAL_HEADERS.eventType);
    const target = this.resolveTarget(req, eventType ? "event" : undefined);
    const invocationId = header(req, INTERNAL_HEADERS.invocationId) ?? fallbackId;
    if (eventType) {
      const event = parseEvent(await readBody(req));
      const handler = header(req, INTERNAL_HEADERS.handler);
      const outcome = await this.options.invoker.event(
        target,
        handler ? { invocationId, event, handler } : { invocationId, event },
      );
      if (!outcome.ok) return void writeError(res, outcome.error, invocationId, outcome.headers);
      const text = JSON.stringify({ result: outcome.value ?? null });
      return writeResult(res, 200, [["content-type", "application/json"]], text, outcome.headers);
    }
    const query = header(req, INTERNAL_HEADERS.query) ?? "";
    const outcome = await this.options.invoker.http(target, {
      invocationId,
      method: "POST",
      url: `http://${target.fn.name}.invoke.bunbase.internal/${query}`,
      headers: headerPairs(req).filter(([name]) => !name.startsWith("x-bunbase-") && name !== "authorization"),
      body: await requestBody(req),
    });
    if (!outcome.ok) return void writeError(res, outcome.error, invocationId, outcome.headers);
    await writeResponse(res, outcome.value.status, outcome.value.headers, outcome.value.body, outcome.headers);
  }

  /** The function the origin names in the internal headers; `countAs`: the invocation's trigger (default: from the headers). */
  private resolveTarget(req: IncomingMessage, countAs?: Target["trigger"]): Target {
    const id = header(req, INTERNAL_HEADERS.functionId);
    const fn = this.options.sync.snapshot.functions.find((f) => f.id === id || f.name === id);
    if (!fn) throw new BunbaseError("FN_001", `Function ${id ?? "(none)"} not found on this node`);
    const environment = pickEnvironment(header(req, INTERNAL_HEADERS.environment));
    const trigger = countAs ?? (header(req, INTERNAL_HEADERS.trigger) === "event" ? "event" : "invoke");
    const pinned = header(req, INTERNAL_HEADERS.version);
    if (pinned) {
      const bundleHash = header(req, INTERNAL_HEADERS.bundleHash);
      const exportName = header(req, INTERNAL_HEADERS.exportName);
      if (!bundleHash || !exportName)
        throw new BunbaseError("FN_006", "A pinned version needs its bundle hash and export name", {
          details: { path: "version" },
        });
      const env = fn.versions[environment]?.env ?? {};
      const active: ActiveVersion = { version: Number(pinned), bundleHash, exportName, env };
      if (header(req, INTERNAL_HEADERS.placement) === "origin") active.placement = "origin";
      return { fn, environment, trigger, active };
    }
    const active = fn.versions[environment];
    if (!active) throw new BunbaseError("FN_001", `Function ${fn.name} has no version deployed to ${environment}`);
    return { fn, environment, active, trigger };
  }
}

/** What dispatch invokes, after the edge rules had their say. */
interface EdgeCall {
  target: Target;
  /** `/path?query` for the handler's URL. */
  path: string;
  requestHeaders?: HeaderList;
  responseHeaders?: HeaderList;
  auth?: Claims;
  /** The region a geo rule assigned (`edge.geo[].region`). */
  region?: string;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function pickEnvironment(value: string | string[] | undefined): Environment {
  const name = Array.isArray(value) ? value[0] : value;
  return ENVIRONMENTS.includes(name as Environment) ? (name as Environment) : "prod";
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function parseEvent(body: Uint8Array | null): Record<string, unknown> {
  try {
    const event = JSON.parse(Buffer.from(body ?? new Uint8Array()).toString("utf8")) as unknown;
    if (event && typeof event === "object" && !Array.isArray(event)) return event as Record<string, unknown>;
  } catch {
    // fall through to the error below
  }
  throw new BunbaseError("FN_006", "The event must be a JSON object", { details: { path: "body" } });
}

function writeJson(res: ServerResponse, status: number, value: unknown): void {
  writeResult(res, status, [["content-type", "application/json"]], JSON.stringify(value), {});
}

const RUN_PREFIX = "/__bunbase/run/";

/** Each connection's peer address, canonical (see clientOf). */
const peers = new WeakMap<object, string>();

/** A request target (`/path?query`) as WHATWG URL resolves it: dot segments, escapes. */
interface RequestTarget {
  pathname: string;
  search: string;
}

const requestTargets = new Memo<RequestTarget>();

function parseTarget(target: string): RequestTarget {
  const url = new URL(target, "http://edge.invalid");
  return { pathname: url.pathname, search: url.search };
}
const INTERNAL_HEADER_NAMES = new Set<string>(Object.values(INTERNAL_HEADERS));

/** Request headers only the edge may set: a client's own copies never reach the handler. */
const EDGE_SET = new Set<string>([...GEO_HEADER_NAMES, FORWARDED_SIG]);
const AB_HEADER = "x-bunbase-ab-";

/** The client's headers for the handler: the edge's own (geo, A/B) dropped, this node's geo added. */
function clientHeaders(req: IncomingMessage, geo: GeoInfo | null): [string, string][] {
  const pairs = headerPairs(req);
  let headers = pairs;
  for (const [name] of pairs) {
    if (name.startsWith("x-bunbase-") && (EDGE_SET.has(name) || name.startsWith(AB_HEADER))) {
      headers = pairs.filter(([n]) => !(EDGE_SET.has(n) || n.startsWith(AB_HEADER)));
      break;
    }
  }
  if (geo === null) return headers;
  return [...headers, ...Object.entries(geoHeaders(geo))];
}
