/**
 * JWT verification for `auth({ type: "jwt" })`, with jose on the isolate's WebCrypto and
 * the rules of edge-node/src/rules/auth.ts: `Authorization: Bearer <jwt>` (RFC 6750
 * section 2.1); HS256/384/512 with `secret`, RS/PS/ES/EdDSA with the keys at `jwksUrl`;
 * `exp`/`nbf` with 5 s of clock tolerance, `iss`/`aud` when configured; `alg: none` is in
 * no allowed list, so never accepted.
 *
 * The JWKS is fetched by jose with the guest's own `fetch`, so the function's egress rules
 * apply, and kept per URL in this module's scope (per isolate): jose caches the keys for
 * 10 minutes and refetches on an unknown `kid` (at most every 30 s).
 */
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { unauthorized, type AuthOutcome } from "./error-response.guest.ts";
import {
  BEARER,
  CLOCK_TOLERANCE_S,
  HMAC_ALGS,
  PUBLIC_KEY_ALGS,
  describeJwtFailure,
  isKeySourceFailure,
} from "./jwt-rules.guest.ts";

export interface JwtSettings {
  secret?: string;
  jwksUrl?: string;
  issuer?: string;
  audience?: string | string[];
}

/** Made on first use (no web API at module load). */
const jwksByUrl = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

function jwksFor(url: string): ReturnType<typeof createRemoteJWKSet> {
  let jwks = jwksByUrl.get(url);
  if (!jwks) {
    jwks = createRemoteJWKSet(new URL(url), { timeoutDuration: 5000 });
    jwksByUrl.set(url, jwks);
  }
  return jwks;
}

export async function verifyJwt(
  authorization: string | null,
  settings: JwtSettings,
  realm: string,
): Promise<AuthOutcome> {
  const fail = (message: string, description: string | undefined) =>
    unauthorized(
      message,
      description === undefined
        ? `Bearer realm="${realm}"`
        : `Bearer realm="${realm}", error="invalid_token", error_description="${description.replace(/["\\]/g, "")}"`,
    );
  const match = BEARER.exec(authorization ?? "");
  // RFC 6750 section 3.1: a request without credentials gets a challenge without an error code.
  if (!match) return fail("Missing bearer token: send Authorization: Bearer <jwt>", undefined);
  const token = match[1];
  let alg: string | undefined;
  try {
    alg = decodeProtectedHeader(token).alg;
  } catch {
    return fail("The bearer token is not a JWT", "The token is malformed");
  }
  const options = { issuer: settings.issuer, audience: settings.audience, clockTolerance: CLOCK_TOLERANCE_S };
  try {
    // An unresolved variable arrives as "": an empty HMAC key would let anyone sign.
    if (alg !== undefined && HMAC_ALGS.includes(alg) && settings.secret) {
      const key = new TextEncoder().encode(settings.secret);
      const { payload } = await jwtVerify(token, key, { ...options, algorithms: HMAC_ALGS });
      return { ok: true, claims: payload };
    }
    if (settings.jwksUrl) {
      const { payload } = await jwtVerify(token, jwksFor(settings.jwksUrl), {
        ...options,
        algorithms: PUBLIC_KEY_ALGS,
      });
      return { ok: true, claims: payload };
    }
    return fail(`Tokens signed with ${alg ?? "no algorithm"} are not accepted`, "Unsupported algorithm");
  } catch (err) {
    if (isKeySourceFailure(err)) {
      return {
        ok: false,
        status: 502,
        code: "FN_004",
        message: "The signing keys (jwksUrl) could not be fetched",
        headers: {},
      };
    }
    return fail(`Invalid token: ${describeJwtFailure(err)}`, describeJwtFailure(err));
  }
}
