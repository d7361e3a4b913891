/**
 * Which function's webhook trigger a path belongs to. Patterns as for HTTP triggers
 * (`/hooks/:tenant`, `/hooks/*`): static segments beat params, params beat a wildcard;
 * two functions claiming the same path: the first by name wins.
 */
import { compareRanks, matchSegments, rankOf, splitPath } from "../../../core/index.ts";
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
    this.routes.sort((a, b) => compareRanks(a.rank, b.rank));
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
