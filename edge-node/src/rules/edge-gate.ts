/**
 * Where the edge server meets the rules: the whole `edge` treatment of one public
 * request, from the function its route matched to the function (and version) that runs
 * it. A rewrite is routed again; when it lands on another function with an `edge` block,
 * that function's rules apply too (its auth or IP lists are never bypassed by pointing a
 * rewrite at it), up to MAX_HOPS functions.
 */
import type { ActiveVersion, EdgeFunction } from "../../../core/index.ts";
import { BunbaseError } from "../../../core/index.ts";
import type { GeoInfo } from "../../../geo/index.ts";
import type { Claims } from "./auth.ts";
import { edgeRulesFor, type Answer, type EdgeRequest, type Rejection } from "./edge-rules.ts";
import { mergeHeaders, type HeaderList } from "./header-list.ts";
import type { RateLimitStore } from "./rate-limit-store.ts";

const MAX_HOPS = 4;

export interface GateRequest {
  method: string;
  /** The request target as sent: `/path?query`. */
  url: string;
  /** Node's IncomingHttpHeaders (lower-case names). */
  headers: Record<string, string | string[] | undefined>;
  /**
   * The client's address as the server established it (the socket peer, x-forwarded-for
   * behind a trusted proxy, or what a signed forward from a fleet node vouches for); "" if unknown.
   */
  clientIp: string;
  /** The client's location, when the caller already looked it up (else `lookupGeo`). */
  geo?: GeoInfo | null;
}

export interface GateTarget {
  fn: EdgeFunction;
  active: ActiveVersion | undefined;
}

/** Go on: run `active` of `fn` for the request at `url`, with these headers. */
export interface Admission {
  action: "invoke";
  fn: EdgeFunction;
  active: ActiveVersion;
  /** `/path?query` the handler sees (rewritten or not). */
  url: string;
  requestHeaders: HeaderList;
  responseHeaders: HeaderList;
  auth?: Claims;
  region?: string;
}

export type GateOutcome = Answer | Rejection | Admission;

export interface EdgeGateOptions {
  rateLimits: RateLimitStore;
  /** Locates a client address for `edge.geo` (geo/'s GeoDatabase); without it geo rules match nothing. */
  lookupGeo?(clientIp: string): GeoInfo | null;
  onAssignment?(fn: EdgeFunction, test: string, variant: string): void;
}

export class EdgeGate {
  constructor(private readonly options: EdgeGateOptions) {}

  /** The rules `active` runs with: its environment's resolved block, else the config's. */
  static rulesOf(fn: EdgeFunction, active: ActiveVersion | undefined) {
    return active?.edge ?? fn.config.edge;
  }

  async admit(
    req: GateRequest,
    first: GateTarget,
    route: (pathname: string) => GateTarget | undefined,
  ): Promise<GateOutcome> {
    const clientIp = req.clientIp;
    const header = (name: string) => {
      const value = req.headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    let geo = req.geo;
    const locate = () => (geo === undefined ? (geo = this.options.lookupGeo?.(clientIp) ?? null) : geo);
    let target = first;
    let url = req.url;
    let requestHeaders: HeaderList = [];
    let responseHeaders: HeaderList = [];
    let auth: Claims | undefined;
    let region: string | undefined;
    let version: number | undefined;
    for (let hop = 0; ; hop++) {
      const config = EdgeGate.rulesOf(target.fn, target.active);
      if (config === undefined) break;
      const { pathname, search } = splitUrl(url);
      const geoInfo = config.geo?.length ? locate() : null;
      const request: EdgeRequest = { method: req.method, pathname, search, header, clientIp, geo: geoInfo };
      const fn = target.fn;
      const decision = await edgeRulesFor(fn.id, fn.name, config).apply(request, {
        rateLimits: this.options.rateLimits,
        onAssignment: (test, variant) => this.options.onAssignment?.(fn, test, variant),
      });
      if (decision.action !== "continue") {
        return { ...decision, headers: mergeHeaders(responseHeaders, decision.headers) };
      }
      responseHeaders = mergeHeaders(responseHeaders, decision.responseHeaders);
      requestHeaders = [...requestHeaders, ...decision.requestHeaders];
      auth = decision.auth ?? auth;
      region = decision.region ?? region;
      version = decision.version ?? version;
      if (decision.rewrite === undefined) break;
      url = decision.rewrite;
      const next = route(splitUrl(url).pathname);
      if (!next) throw new BunbaseError("FN_001", `No function serves the rewritten path ${splitUrl(url).pathname}`);
      const sameFunction = next.fn.id === target.fn.id;
      target = next;
      if (sameFunction) break;
      version = undefined; // a pin names a version of the function that pinned it
      if (hop + 1 >= MAX_HOPS) {
        throw new BunbaseError("FN_006", "Edge rewrites went through too many functions", {
          status: 508,
          details: { path: "edge.rewrites" },
        });
      }
    }
    const active = pinned(target.fn, target.active, version);
    if (!active) throw new BunbaseError("FN_001", `Function ${target.fn.name} has no version deployed here`);
    return { action: "invoke", fn: target.fn, active, url, requestHeaders, responseHeaders, auth, region };
  }
}

/**
 * The version to run: the pinned one when the snapshot carries it (with the environment's
 * variables), else the environment's active version.
 */
function pinned(
  fn: EdgeFunction,
  active: ActiveVersion | undefined,
  version: number | undefined,
): ActiveVersion | undefined {
  if (version === undefined || !active || version === active.version) return active;
  const pin = fn.pinnedVersions?.find((v) => v.version === version);
  if (!pin) return active;
  const { placement: _placement, ...rest } = active;
  return { ...rest, ...pin };
}

function splitUrl(url: string): { pathname: string; search: string } {
  const at = url.indexOf("?");
  return at === -1 ? { pathname: url, search: "" } : { pathname: url.slice(0, at), search: url.slice(at) };
}

/** Request headers with the edge's set over them (same name replaced). */
export function withRequestHeaders(headers: HeaderList, set: HeaderList): HeaderList {
  if (set.length === 0) return headers;
  const names = new Set(set.map(([name]) => name));
  return [...headers.filter(([name]) => !names.has(name)), ...set];
}
