/**
 * Proof that a fleet node forwarded a request: `x-bunbase-forwarded-sig: t=<ms>;client=<ip>;sig=<mac>`,
 * an HMAC-SHA256 under the fleet's forwarding key (FleetPeers.forwardKey, from the origin)
 * over the forwarding chain, the time, the client's address, the method and the target.
 * The receiving node believes the client address and the loop guard only with a valid,
 * fresh signature: a client cannot set them, and a handler that reads one off its
 * request cannot reuse it for long (the edge drops the header before handlers see it).
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export const FORWARDED_SIG = "x-bunbase-forwarded-sig";

/** How old a signature may be (node clocks are NTP-synchronised; a hop takes milliseconds). */
const MAX_AGE_MS = 30_000;

export interface ForwardClaim {
  /** The `x-bunbase-forwarded-by` chain, ending with the node that signed. */
  by: string;
  /** The client's address as the forwarding node believed it. */
  client: string;
  method: string;
  /** `/path?query` as sent to the target. */
  path: string;
}

export function signForward(key: string, claim: ForwardClaim, now = Date.now()): string {
  return `t=${now};client=${claim.client};sig=${mac(key, claim, now)}`;
}

/** The client address a valid signature vouches for, else null. */
export function verifyForward(
  key: string,
  header: string | undefined,
  claim: Omit<ForwardClaim, "client">,
  now = Date.now(),
): string | null {
  if (header === undefined) return null;
  const fields = new Map<string, string>();
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const t = Number(fields.get("t"));
  const client = fields.get("client");
  const given = fields.get("sig");
  if (!Number.isSafeInteger(t) || Math.abs(now - t) > MAX_AGE_MS || !client || !given) return null;
  const want = Buffer.from(mac(key, { ...claim, client }, t));
  const got = Buffer.from(given);
  return want.length === got.length && timingSafeEqual(want, got) ? client : null;
}

function mac(key: string, claim: ForwardClaim, t: number): string {
  const text = ["bunbase-forward-v1", claim.by, String(t), claim.client, claim.method, claim.path].join("\n");
  return createHmac("sha256", Buffer.from(key, "base64url")).update(text).digest("base64url");
}
