/**
 * The per-invocation token of the `@bunbase/sdk` bridge: a node (edge or runner) mints it
 * for the invocation it runs, the origin verifies it on `/internal/sdk`. An HMAC-SHA256
 * under the fleet's forwarding key (FleetPeers.forwardKey, derived by the origin from its
 * master key) over the function id, the invocation id and an expiry, so a guest can act
 * only as the function it is, and only while its invocation may run. The guest never
 * sees it: the host adds it to the calls it forwards.
 *
 *     v1.<base64url(JSON {f, i, e})>.<base64url(mac)>
 */
import { createHmac, timingSafeEqual } from "node:crypto";

/** The longest a token may live: a function's timeout is at most 15 minutes. */
export const SDK_TOKEN_MAX_TTL_MS = 15 * 60_000;
export const SDK_TOKEN_HEADER = "x-bunbase-sdk-token";

export interface SdkTokenClaims {
  functionId: string;
  invocationId: string;
  /** Epoch ms. */
  expiresAt: number;
}

export function signSdkToken(key: string, claims: SdkTokenClaims): string {
  const payload = Buffer.from(
    JSON.stringify({ f: claims.functionId, i: claims.invocationId, e: claims.expiresAt }),
  ).toString("base64url");
  return `v1.${payload}.${mac(key, payload)}`;
}

/** The claims of a valid, unexpired token (not one that lives longer than the maximum), else null. */
export function verifySdkToken(key: string, token: string | undefined, now = Date.now()): SdkTokenClaims | null {
  const parts = token?.split(".");
  if (parts?.length !== 3 || parts[0] !== "v1" || parts[1].length > 2048) return null;
  const want = Buffer.from(mac(key, parts[1]));
  const got = Buffer.from(parts[2]);
  if (want.length !== got.length || !timingSafeEqual(want, got)) return null;
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
  } catch {
    return null; // a MAC over bytes that are not JSON: not a token a node made
  }
  const { f, i, e } = (claims ?? {}) as Record<string, unknown>;
  if (typeof f !== "string" || typeof i !== "string" || typeof e !== "number" || !Number.isSafeInteger(e)) return null;
  if (e <= now || e - now > SDK_TOKEN_MAX_TTL_MS + 60_000) return null;
  return { functionId: f, invocationId: i, expiresAt: e };
}

function mac(key: string, payload: string): string {
  return createHmac("sha256", Buffer.from(key, "base64url")).update(`bunbase-sdk-v1\n${payload}`).digest("base64url");
}
