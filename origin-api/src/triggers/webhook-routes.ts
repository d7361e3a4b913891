/**
 * Which function's webhook trigger a path belongs to. Patterns as for HTTP triggers
 * (`/hooks/:tenant`, `/hooks/*`): static segments beat params, params beat a wildcard;
 * two functions claiming the same path: the first by name wins.
 */
import type { FunctionRow } from "../store/index.ts";
import { WEBHOOK_SCHEMES, type WebhookScheme } from "./webhook-signatures.ts";

export interface WebhookTrigger {
  fn: FunctionRow;
  triggerIndex: number;
  path: string;
  scheme: WebhookScheme;
  /** As configured: may hold `${secrets.NAME}`. */
  secret: string;
}

export interface WebhookMatch {
  trigger: WebhookTrigger;
  params: Record<string, string>;
}

interface Route {
  trigger: WebhookTrigger;
  segments: string[];
  rank: number[];
}

export class WebhookRoutes {
  private readonly routes: Route[] = [];

  /** `functions` in name order (FunctionStore.list), so equal ranks resolve by name. */
  constructor(functions: FunctionRow[]) {
    for (const fn of functions) {
      const triggers = Array.isArray(fn.config.triggers) ? (fn.config.triggers as unknown[]) : [];
      for (const [triggerIndex, raw] of triggers.entries()) {
        const trigger = asWebhook(fn, triggerIndex, raw);
        if (!trigger) continue;
        const segments = splitPath(trigger.path);
        this.routes.push({ trigger, segments, rank: rankOf(segments) });
      }
    }
    this.routes.sort((a, b) => compare(a.rank, b.rank));
  }

  get size(): number {
    return this.routes.length;
  }

  match(pathname: string): WebhookMatch | undefined {
    const segments = splitPath(pathname);
    for (const route of this.routes) {
      const params = matchSegments(route.segments, segments);
      if (params) return { trigger: route.trigger, params };
    }
    return undefined;
  }
}

function asWebhook(fn: FunctionRow, triggerIndex: number, raw: unknown): WebhookTrigger | undefined {
  const t = raw as { type?: unknown; path?: unknown; scheme?: unknown; secret?: unknown } | null;
  if (t?.type !== "webhook" || typeof t.path !== "string" || typeof t.secret !== "string") return undefined;
  if (!(WEBHOOK_SCHEMES as readonly unknown[]).includes(t.scheme)) return undefined;
  return { fn, triggerIndex, path: t.path, scheme: t.scheme as WebhookScheme, secret: t.secret };
}

function splitPath(path: string): string[] {
  return path.split("/").filter((segment) => segment.length > 0);
}

/** More static segments first, then more segments, a wildcard last. */
function rankOf(segments: string[]): number[] {
  const statics = segments.filter((s) => !s.startsWith(":") && s !== "*").length;
  return [segments.at(-1) === "*" ? 1 : 0, -statics, -segments.length];
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
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
    return segment;
  }
}
