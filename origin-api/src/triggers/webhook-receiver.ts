/**
 * `POST /webhooks<path>` (docs/triggers.md, "Webhooks"): finds the function's webhook
 * trigger, verifies the signature over the raw body, and queues one delivery. The receipt
 * row and the delivery commit in one transaction, and the answer goes out only after:
 * 202 for a new delivery, 200 `duplicate: true` for a replay (queued once), 401 FN_009
 * for a bad, missing or stale signature (nothing queued).
 */
import { createHash } from "node:crypto";
import { BunbaseError, type Logger } from "../../../core/index.ts";
import type { EventSink, PlatformEvent } from "../events/types.ts";
import type { FunctionRow, Store } from "../store/index.ts";
import { ReceiptStore } from "./receipt-store.ts";
import { WebhookRoutes, type WebhookMatch } from "./webhook-routes.ts";
import { verifySignature, type SignedRequest, type VerifyOptions } from "./webhook-signatures.ts";

export interface WebhookReceiverOptions {
  store: Store;
  events: EventSink;
  log: Logger;
  /** The trigger's `secret` with `${secrets.X}` resolved; undefined when one is missing. */
  resolveSecret(fn: FunctionRow, value: string): string | undefined;
  /** Stripe's timestamp tolerance (default 5 min). */
  toleranceMs?: number;
  /** Receipts older than this are forgotten (default 30 days). */
  keepReceiptsMs?: number;
}

export interface WebhookRequest extends SignedRequest {
  /** The path after `/webhooks`, e.g. `/github/push`. */
  path: string;
}

export interface WebhookAccepted {
  eventId: string | null;
  /** This delivery was accepted before: nothing new was queued. */
  duplicate: boolean;
}

/** Request headers an event may carry (metadata.headers); signatures and credentials never. */
export const EVENT_HEADERS = [
  "content-type",
  "user-agent",
  "x-github-event",
  "x-github-delivery",
  "x-github-hook-id",
  "x-github-hook-installation-target-type",
  "x-github-hook-installation-target-id",
] as const;

const PRUNE_EVERY_MS = 3_600_000;

export class WebhookReceiver {
  private routes = new WebhookRoutes([]);
  private routesRevision = -1;
  private readonly receipts: ReceiptStore;
  private lastPrune = 0;

  constructor(private readonly o: WebhookReceiverOptions) {
    this.receipts = new ReceiptStore(o.store.db);
  }

  receive(req: WebhookRequest, verify: VerifyOptions = {}): WebhookAccepted {
    const match = this.route(req.path);
    const { fn, triggerIndex, scheme } = match.trigger;
    const secret = this.o.resolveSecret(fn, match.trigger.secret);
    if (secret === undefined) {
      this.o.log.warn({ function: fn.name, trigger: triggerIndex }, "webhook secret references a missing secret");
      throw refused("the webhook's secret is not configured");
    }
    const verdict = verifySignature(scheme, secret, req, { toleranceMs: this.o.toleranceMs, ...verify });
    if (!verdict.ok) throw refused(verdict.reason);
    const key = digest(verdict.deliveryKey);
    this.pruneNow();
    return this.o.store.tx((): WebhookAccepted => {
      if (!this.receipts.claim(fn.id, triggerIndex, key))
        return { eventId: this.receipts.eventOf(fn.id, triggerIndex, key), duplicate: true };
      const event = webhookEvent(match, req, `webhook:${fn.id}:${triggerIndex}:${key}`);
      const published = this.o.events.deliver({ functionId: fn.id, triggerIndex }, event);
      this.receipts.recordEvent(fn.id, triggerIndex, key, published.eventId);
      return { eventId: published.eventId, duplicate: published.duplicate };
    });
  }

  /** The routes of the current configs, rebuilt when the store's revision moves (any process). */
  private route(path: string): WebhookMatch {
    const revision = this.o.store.functions.revision();
    if (revision !== this.routesRevision) {
      this.routes = new WebhookRoutes(this.o.store.functions.list());
      this.routesRevision = revision;
    }
    const match = this.routes.match(path);
    if (!match) throw new BunbaseError("FN_001", `No webhook trigger serves ${path}`);
    return match;
  }

  private pruneNow(): void {
    const now = Date.now();
    if (now - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = now;
    this.receipts.prune(now - (this.o.keepReceiptsMs ?? 30 * 86_400_000));
  }
}

function webhookEvent(match: WebhookMatch, req: WebhookRequest, idempotencyKey: string): PlatformEvent {
  const headers: Record<string, string> = {};
  for (const name of EVENT_HEADERS) {
    const value = req.header(name);
    if (value !== undefined) headers[name] = value;
  }
  const { path, scheme } = match.trigger;
  return {
    type: "webhook",
    source: `/webhooks${path}`,
    data: parseBody(req.body, headers["content-type"]),
    metadata: { scheme, path: req.path, params: match.params, headers },
    idempotencyKey,
  };
}

/** JSON when it parses; a form-encoded GitHub `payload=`; the text otherwise. */
export function parseBody(body: Buffer, contentType = ""): unknown {
  const text = body.toString("utf8");
  if (contentType.includes("application/x-www-form-urlencoded")) {
    const payload = new URLSearchParams(text).get("payload");
    if (payload !== null) return parseJson(payload) ?? payload;
    return text;
  }
  return parseJson(text) ?? text;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Delivery keys come from the sender's headers: stored and compared as a fixed-size digest. */
function digest(deliveryKey: string): string {
  return createHash("sha256").update(deliveryKey).digest("hex").slice(0, 40);
}

function refused(reason: string): BunbaseError {
  return new BunbaseError("FN_009", `Webhook signature verification failed: ${reason}`, {
    status: 401,
    details: { reason },
  });
}
