/**
 * Matches method + path against the HTTP triggers of every deployed function. Patterns:
 * `/users/:id` (one segment), `/files/*` (the rest of the path, at the end only).
 * Static segments beat params, params beat wildcards, so `/users/me` wins over
 * `/users/:id` whatever the deploy order.
 */
import { compareRanks, matchSegments, rankOf, splitPath, type EdgeFunction } from "../../../core/index.ts";

export interface RouteMatch {
  fn: EdgeFunction;
  params: Record<string, string>;
  /** The trigger's path pattern that matched. */
  pattern: string;
}

interface Route {
  fn: EdgeFunction;
  pattern: string;
  segments: string[];
  methods: Set<string> | "*";
  /** Sort key: more static segments first, then more params, wildcard last. */
  rank: number[];
}

interface HttpTrigger {
  type: "http" | "webhook";
  path: string;
  methods?: string[];
}

/** Webhook triggers (POST only) are routed like HTTP ones but answered by the origin. */
function isRoutedTrigger(trigger: { type: string }, type: HttpTrigger["type"]): trigger is HttpTrigger {
  return trigger.type === type;
}

export class RouteTable {
  private readonly routes: Route[] = [];

  constructor(functions: EdgeFunction[], type: HttpTrigger["type"] = "http") {
    for (const fn of functions) {
      for (const trigger of fn.config.triggers ?? []) {
        if (!isRoutedTrigger(trigger, type)) continue;
        const methods = type === "webhook" ? ["POST"] : (trigger.methods ?? ["GET"]);
        this.routes.push({
          fn,
          pattern: trigger.path,
          segments: splitPath(trigger.path),
          methods: methods.includes("*") ? "*" : new Set(methods.map((m) => m.toUpperCase())),
          rank: rankOf(splitPath(trigger.path)),
        });
      }
    }
    this.routes.sort((a, b) => compareRanks(a.rank, b.rank));
  }

  get size(): number {
    return this.routes.length;
  }

  /**
   * The function serving `method path`; `methodMismatch` tells the caller a route exists
   * for the path with other methods (405, not 404).
   */
  match(method: string, pathname: string): RouteMatch | { methodMismatch: boolean } {
    const segments = splitPath(pathname);
    let methodMismatch = false;
    for (const route of this.routes) {
      const params = matchSegments(route.segments, segments);
      if (!params) continue;
      if (!allows(route.methods, method)) {
        methodMismatch = true;
        continue;
      }
      return { fn: route.fn, params, pattern: route.pattern };
    }
    return { methodMismatch };
  }
}

function allows(methods: Set<string> | "*", method: string): boolean {
  if (methods === "*") return true;
  // HEAD is served by a GET route, as every HTTP server does (RFC 9110 section 9.3.2).
  return methods.has(method) || (method === "HEAD" && methods.has("GET"));
}
