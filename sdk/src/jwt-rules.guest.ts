/**
 * What a JWT must satisfy, and what a failed verification tells the client: shared by
 * `auth()` in code (jwt.guest.ts, inside the isolate) and the `edge.auth` config block
 * (edge-node/src/rules/auth.ts, on the host), so both accept and refuse alike. Pure apart
 * from jose's error classes; no web API at module load.
 */
import { errors } from "jose";

export const HMAC_ALGS = ["HS256", "HS384", "HS512"];
export const PUBLIC_KEY_ALGS = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
];
export const CLOCK_TOLERANCE_S = 5;
/** `Authorization: Bearer <jwt>` (RFC 6750 section 2.1). */
export const BEARER = /^Bearer\s+([A-Za-z0-9._~+/-]+=*)\s*$/i;

/** The JWKS endpoint is down, refused, or serves garbage: the key source's fault, not the token's. */
export function isKeySourceFailure(err: unknown): boolean {
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid) return true;
  return !(err instanceof errors.JOSEError);
}

/** Why a token was refused, in words safe to send back (`error_description`). */
export function describeJwtFailure(err: unknown): string {
  if (err instanceof errors.JWTExpired) return "The token has expired";
  if (err instanceof errors.JWTClaimValidationFailed) return `The token's ${err.claim} claim is not accepted`;
  if (err instanceof errors.JWSSignatureVerificationFailed || err instanceof errors.JWKSNoMatchingKey)
    return "The signature does not verify";
  if (err instanceof errors.JOSEAlgNotAllowed) return "The token's algorithm is not accepted";
  return "The token is malformed";
}
