/**
 * One function's `edge` block, compiled once per config object and applied to a request
 * in the contract's order (section 3): cors (a preflight is answered here), ipAllow and
 * ipDeny, rateLimit, auth, geo, abTests, rewrites, redirects.
 *
 * Paths: geo and A/B destinations and `rewrites` each see the path as the stages before
 * them left it (the first matching rewrite applies, once). `redirects` match the path the
 * client asked for: a redirect tells the client where to go, so it is about the URL the
 * client knows, and an internal rewrite never hides it. In a geo or A/B destination,
 * `:path*` is the request's whole path (`/b/:path*` sends `/cart/1` to `/b/cart/1`).
 */
import { matchGeoRule, type GeoInfo } from "../../../geo/index.ts";
import type { EdgeConfig } from "../../../bundler/index.ts";
import { BunbaseError } from "../../../core/index.ts";
import { AB_HEADER_PREFIX, AbTests, abCookie } from "./ab-tests.ts";
import { authRule, type AuthRule, type Claims } from "./auth.ts";
import { CorsPolicy } from "./cors.ts";
import type { HeaderList } from "./header-list.ts";
import { IpRules } from "./ip-rules.ts";
import { fillDestination, withQuery } from "./path-pattern.ts";
import { PathRules } from "./path-rules.ts";
import { RateLimitRule } from "./rate-limit.ts";
import type { RateLimitStore } from "./rate-limit-store.ts";

export interface EdgeRequest {
  method: string;
  /** As the client sent it (percent-encoded). */
  pathname: string;
  /** `?a=1` or "". */
  search: string;
  /** A request header by lower-case name. */
  header(name: string): string | undefined;
  clientIp: string;
  geo: GeoInfo | null;
}

export interface EdgeRulesContext {
  rateLimits: RateLimitStore;
  /** Called once per fresh A/B assignment (the metric). */
  onAssignment?(test: string, variant: string): void;
}

/** The edge answers the request itself: a preflight (204) or a redirect. */
export interface Answer {
  action: "answer";
  status: number;
  headers: HeaderList;
}

/** The edge refuses the request; `headers` (CORS, rate limit) go on the error response. */
export interface Rejection {
  action: "reject";
  error: BunbaseError;
  headers: HeaderList;
}

/** The request goes on to a handler. */
export interface Continuation {
  action: "continue";
  /** The new path and query, when a rule rewrote it: the caller routes it again. */
  rewrite?: string;
  /** Headers to set on the request the handler sees (replacing any of the same name). */
  requestHeaders: HeaderList;
  /** Headers to add to the handler's response (header-list.ts mergeHeaders). */
  responseHeaders: HeaderList;
  /** A version an A/B variant pins: the caller runs it instead of the active one. */
  version?: number;
  /** What auth verified: the handler's `ctx.auth`. */
  auth?: Claims;
  /**
   * The region a geo rule wants this request served from. Forwarding between regions is
   * not built yet: the caller serves it here and may log or expose the wish.
   */
  region?: string;
}

export type EdgeDecision = Answer | Rejection | Continuation;

type GeoRules = NonNullable<EdgeConfig["geo"]>;

export class EdgeRules {
  readonly #cors: CorsPolicy | undefined;
  readonly #ip: IpRules | undefined;
  readonly #rateLimit: RateLimitRule | undefined;
  readonly #auth: AuthRule | undefined;
  readonly #geo: GeoRules | undefined;
  readonly #ab: AbTests | undefined;
  readonly #paths: PathRules | undefined;

  constructor(functionId: string, functionName: string, config: EdgeConfig) {
    this.#cors = config.cors && new CorsPolicy(config.cors);
    const ip = new IpRules(config.ipAllow, config.ipDeny);
    this.#ip = ip.empty ? undefined : ip;
    this.#rateLimit = config.rateLimit && new RateLimitRule(functionId, config.rateLimit);
    this.#auth = config.auth && authRule(config.auth, functionName);
    this.#geo = config.geo?.length ? config.geo : undefined;
    this.#ab = config.abTests?.length ? new AbTests(config.abTests) : undefined;
    const paths = new PathRules(config.rewrites, config.redirects);
    this.#paths = paths.empty ? undefined : paths;
  }

  async apply(req: EdgeRequest, context: EdgeRulesContext): Promise<EdgeDecision> {
    const origin = req.header("origin");
    if (this.#cors && CorsPolicy.isPreflight(req.method, req.header("access-control-request-method"))) {
      return {
        action: "answer",
        status: 204,
        headers: this.#cors.preflight(origin, req.header("access-control-request-headers")),
      };
    }
    const responseHeaders: HeaderList = this.#cors ? this.#cors.response(origin) : [];
    const reject = (error: BunbaseError): Rejection => ({ action: "reject", error, headers: responseHeaders });

    const denied = this.#ip?.check(req.clientIp);
    if (denied) return reject(denied);

    if (this.#rateLimit) {
      const outcome = await this.#rateLimit.check(context.rateLimits, this.#rateLimit.keyOf(req.clientIp, req.header));
      responseHeaders.push(...outcome.headers);
      if (outcome.error) return reject(outcome.error);
    }

    const decision: Continuation = { action: "continue", requestHeaders: [], responseHeaders };
    if (this.#auth) {
      const outcome = await this.#auth.verify(req.header);
      if (!outcome.ok) return reject(outcome.error);
      decision.auth = outcome.claims;
    }

    let path = req.pathname;
    const rule = this.#geo && matchGeoRule(this.#geo, req.geo);
    if (rule) {
      if (rule.block) return reject(new BunbaseError("FN_009", "This function is not available in your location"));
      decision.region = rule.region;
      if (rule.destination !== undefined) {
        const target = fillDestination(rule.destination, { path: path.slice(1) });
        // An absolute URL sends the client elsewhere: 302, as it depends on where the client is.
        if (!target.startsWith("/")) return answerRedirect(302, withQuery(target, req.search), responseHeaders);
        path = target;
      }
    }

    if (this.#ab) path = this.#assign(req, path, decision, context);

    const rewritten = this.#paths?.rewrite(pathOnly(path), queryOf(path, req.search));
    const redirect = this.#paths?.redirect(req.pathname, req.search);
    if (redirect) return answerRedirect(redirect.status, redirect.location, responseHeaders);
    if (rewritten !== undefined) decision.rewrite = rewritten;
    else if (path !== req.pathname) decision.rewrite = withQuery(path, req.search);
    return decision;
  }

  /** Assigns every A/B test; returns the path after the first variant destination. */
  #assign(req: EdgeRequest, path: string, decision: Continuation, context: EdgeRulesContext): string {
    let rewritten = false;
    for (const assignment of this.#ab!.assign(req.header("cookie"))) {
      const { test, variant } = assignment;
      decision.requestHeaders.push([AB_HEADER_PREFIX + test, variant.name]);
      if (assignment.fresh) {
        decision.responseHeaders.push(["set-cookie", abCookie(assignment)]);
        context.onAssignment?.(test, variant.name);
      }
      if (variant.version !== undefined && decision.version === undefined) decision.version = variant.version;
      if (variant.destination !== undefined && !rewritten) {
        rewritten = true;
        path = fillDestination(variant.destination, { path: pathOnly(path).slice(1) });
      }
    }
    return path;
  }
}

function answerRedirect(status: number, location: string, headers: HeaderList): Answer {
  return { action: "answer", status, headers: [...headers, ["location", location]] };
}

/** A destination may carry its own query (`/b?x=1`): split it from the path. */
function pathOnly(path: string): string {
  const at = path.indexOf("?");
  return at === -1 ? path : path.slice(0, at);
}

function queryOf(path: string, search: string): string {
  const at = path.indexOf("?");
  return at === -1 ? search : withQuery(path.slice(at), search);
}

const compiled = new WeakMap<EdgeConfig, EdgeRules>();

/** The compiled rules of a config object; a new snapshot brings new objects, so nothing goes stale. */
export function edgeRulesFor(functionId: string, functionName: string, config: EdgeConfig): EdgeRules {
  let rules = compiled.get(config);
  if (!rules) {
    rules = new EdgeRules(functionId, functionName, config);
    compiled.set(config, rules);
  }
  return rules;
}
