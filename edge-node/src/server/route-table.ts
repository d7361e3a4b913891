/**
 * Matches method + path against the HTTP triggers of every deployed function. Patterns:
 * `/users/:id` (one segment), `/files/*` (the rest of the path, at the end only).
 * Static segments beat params, params beat wildcards, so `/users/me` wins over
 * `/users/:id` whatever the deploy order.
 */
import type { EdgeFunction } from "../../../core/index.ts";

export interface RouteMatch {
  fn: EdgeFunction;
  params: Record<string, string>;
  /** The trigger's own handler override, when it names one. */
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

export function splitPath(path: string): string[] {
  return path.split("/").filter((segment) => segment.length > 0);
}

function rankOf(segments: string[]): number[] {
  const statics = segments.filter((s) => !s.startsWith(":") && s !== "*").length;
  const wildcard = segments.at(-1) === "*" ? 1 : 0;
  return [wildcard, -statics, -segments.length];
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
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
    this.routes.sort((a, b) => compare(a.rank, b.rank));
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

function matchSegments(pattern: string[], path: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const want = pattern[i];
    if (want === "*") {
      params["*"] = path.slice(i).map(decodeSegment).join("/");
      return params;
    }
    const got = path[i];
    if (got === undefined) return undefined;
    if (want.startsWith(":")) params[want.slice(1)] = decodeSegment(got);
    else if (want !== got) return undefined;
  }
  return path.length === pattern.length ? params : undefined;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment; // malformed percent-encoding: hand the raw segment to the handler
  }
}
