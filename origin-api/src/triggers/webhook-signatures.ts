/**
 * Signature checks of the three webhook schemes (docs/triggers.md, "Webhooks"), all
 * HMAC-SHA256 (RFC 2104) over the raw body, compared in constant time:
 * - github: `x-hub-signature-256: sha256=<hex>` over the body;
 * - stripe: `stripe-signature: t=<unix s>,v1=<hex>[,v1=<hex>...]` over `<t>.<body>`,
 *   the timestamp within the tolerance (default 5 min) either side of our clock;
 * - hmac-sha256: `x-signature-256` (or `x-bunbase-signature`): `sha256=<hex>` over the body.
 * A passing request also yields its delivery key: what makes a replay the same delivery.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export const WEBHOOK_SCHEMES = ["github", "stripe", "hmac-sha256"] as const;
export type WebhookScheme = (typeof WEBHOOK_SCHEMES)[number];

export const STRIPE_TOLERANCE_MS = 5 * 60_000;

export interface SignedRequest {
  header(name: string): string | undefined;
  body: Buffer;
}

export type Verification = { ok: true; deliveryKey: string } | { ok: false; reason: string };

export interface VerifyOptions {
  nowMs?: number;
  toleranceMs?: number;
}

export function verifySignature(
  scheme: WebhookScheme,
  secret: string,
  req: SignedRequest,
  o: VerifyOptions = {},
): Verification {
  switch (scheme) {
    case "github":
      return verifyGithub(secret, req);
    case "stripe":
      return verifyStripe(secret, req, o.nowMs ?? Date.now(), o.toleranceMs ?? STRIPE_TOLERANCE_MS);
    case "hmac-sha256":
      return verifyGeneric(secret, req);
  }
}

function verifyGithub(secret: string, req: SignedRequest): Verification {
  const given = sha256Value(req.header("x-hub-signature-256"));
  if (!given) return fail("missing or malformed x-hub-signature-256 (expected sha256=<hex>)");
  if (!hexEqual(hmacHex(secret, req.body), given)) return fail("signature does not match");
  // GitHub keeps the delivery GUID across redeliveries of the same event.
  const delivery = req.header("x-github-delivery");
  return { ok: true, deliveryKey: delivery ? `github-delivery:${delivery}` : `signature:${given}` };
}

function verifyGeneric(secret: string, req: SignedRequest): Verification {
  const header = req.header("x-signature-256") ?? req.header("x-bunbase-signature");
  const given = sha256Value(header);
  if (!given) return fail("missing or malformed x-signature-256 (expected sha256=<hex>)");
  if (!hexEqual(hmacHex(secret, req.body), given)) return fail("signature does not match");
  return { ok: true, deliveryKey: `signature:${given}` };
}

/** https://docs.stripe.com/webhooks#verify-manually */
function verifyStripe(secret: string, req: SignedRequest, nowMs: number, toleranceMs: number): Verification {
  const parsed = parseStripeHeader(req.header("stripe-signature"));
  if (!parsed) return fail("missing or malformed stripe-signature (expected t=<unix>,v1=<hex>)");
  const signed = Buffer.concat([Buffer.from(`${parsed.t}.`), req.body]);
  const expected = hmacHex(secret, signed);
  const match = parsed.v1.find((candidate) => hexEqual(expected, candidate));
  if (!match) return fail("no v1 signature matches");
  if (Math.abs(nowMs - parsed.t * 1000) > toleranceMs) return fail("timestamp outside the tolerance");
  const eventId = stripeEventId(req.body);
  return { ok: true, deliveryKey: eventId ? `stripe-event:${eventId}` : `signature:${parsed.t}:${match}` };
}

function parseStripeHeader(header: string | undefined): { t: number; v1: string[] } | undefined {
  if (!header) return undefined;
  let t: number | undefined;
  const v1: string[] = [];
  for (const item of header.split(",")) {
    const eq = item.indexOf("=");
    if (eq < 0) continue;
    const key = item.slice(0, eq).trim();
    const value = item.slice(eq + 1).trim();
    if (key === "t" && /^\d{1,12}$/.test(value)) t = Number(value);
    else if (key === "v1" && HEX_SHA256.test(value)) v1.push(value.toLowerCase());
  }
  return t === undefined || v1.length === 0 ? undefined : { t, v1 };
}

/** Stripe's event id (`evt_...`): retries of one event carry new signatures but the same id. */
function stripeEventId(body: Buffer): string | undefined {
  try {
    const event = JSON.parse(body.toString("utf8")) as { id?: unknown };
    return typeof event?.id === "string" && event.id.length > 0 ? event.id : undefined;
  } catch {
    return undefined;
  }
}

const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;

/** `sha256=<hex>` (the prefix may be left out) to lower-case hex. */
function sha256Value(header: string | undefined): string | undefined {
  const value = header?.trim().replace(/^sha256=/i, "");
  return value && HEX_SHA256.test(value) ? value.toLowerCase() : undefined;
}

export function hmacHex(secret: string, body: Buffer | string): string {
  return createHmac("sha256", secret).update(body).digest("hex");
}

/** Both are 64 lower-case hex digits by now, so the lengths match and only the content is compared. */
function hexEqual(expected: string, given: string): boolean {
  const a = Buffer.from(expected, "hex");
  const b = Buffer.from(given, "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}

function fail(reason: string): Verification {
  return { ok: false, reason };
}
