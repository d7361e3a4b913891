/**
 * `edge.auth`, verified on the host before the handler runs; what it proves reaches the
 * handler as `ctx.auth`. Failures are 401 FN_009 (the status the contract gives `auth`,
 * with the code of "permission denied", as the management API does) with a
 * `www-authenticate` challenge.
 *
 * - `jwt`: `Authorization: Bearer <token>` (RFC 6750 section 2.1), verified with jose: HS256/384/512
 *   with `secret`, RS/PS/ES/EdDSA with the keys at `jwksUrl` (fetched and cached by jose's
 *   createRemoteJWKSet, one per URL, shared by all functions). `exp` and `nbf` are checked
 *   with 5 s of clock tolerance, `iss` and `aud` when configured; `alg: none` is never
 *   accepted (it is in no allowed list). `ctx.auth` = the token's claims.
 * - `apiKey`: the configured header must hold one of `keys`, compared in constant time
 *   (SHA-256 digests of both sides, every key checked). `ctx.auth` = `{type: "apiKey",
 *   keyIndex}`, never the key itself.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify, type JWTPayload } from "jose";
import type { EdgeConfig } from "../../../bundler/index.ts";
import { BunbaseError } from "../../../core/index.ts";
import {
  BEARER,
  CLOCK_TOLERANCE_S,
  HMAC_ALGS,
  PUBLIC_KEY_ALGS,
  describeJwtFailure,
  isKeySourceFailure,
} from "../../../sdk/src/jwt-rules.guest.ts";

type AuthConfig = NonNullable<EdgeConfig["auth"]>;
type JwtConfig = Extract<AuthConfig, { type: "jwt" }>;
type ApiKeyConfig = Extract<AuthConfig, { type: "apiKey" }>;

export type Claims = JWTPayload | { type: "apiKey"; keyIndex: number };

export type AuthOutcome = { ok: true; claims: Claims } | { ok: false; error: BunbaseError };

export interface AuthRule {
  verify(header: (name: string) => string | undefined): Promise<AuthOutcome>;
}

export function authRule(config: AuthConfig, realm: string): AuthRule {
  return config.type === "jwt" ? new JwtAuth(config, realm) : new ApiKeyAuth(config, realm);
}

/** One JWKS per URL for the process: jose caches its keys (10 min) and refetches on an unknown `kid`. */
const jwksByUrl = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

function jwksFor(url: string): ReturnType<typeof createRemoteJWKSet> {
  let jwks = jwksByUrl.get(url);
  if (!jwks) {
    jwks = createRemoteJWKSet(new URL(url), { timeoutDuration: 5000 });
    jwksByUrl.set(url, jwks);
  }
  return jwks;
}

class JwtAuth implements AuthRule {
  readonly #secret: Uint8Array | undefined;
  readonly #jwksUrl: string | undefined;
  readonly #options: { issuer?: string; audience?: string | string[]; clockTolerance: number };

  constructor(
    config: JwtConfig,
    private readonly realm: string,
  ) {
    // An unresolved `${secrets.X}` arrives as "": an empty HMAC key would let anyone sign.
    this.#secret = config.secret ? new TextEncoder().encode(config.secret) : undefined;
    this.#jwksUrl = config.jwksUrl;
    this.#options = { issuer: config.issuer, audience: config.audience, clockTolerance: CLOCK_TOLERANCE_S };
  }

  async verify(header: (name: string) => string | undefined): Promise<AuthOutcome> {
    const match = BEARER.exec(header("authorization") ?? "");
    // RFC 6750 section 3.1: a request without credentials gets a challenge without an error code.
    if (!match) return this.#fail("Missing bearer token: send Authorization: Bearer <jwt>", undefined);
    const token = match[1];
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      return this.#fail("The bearer token is not a JWT", "The token is malformed");
    }
    try {
      if (alg !== undefined && HMAC_ALGS.includes(alg) && this.#secret) {
        const { payload } = await jwtVerify(token, this.#secret, { ...this.#options, algorithms: HMAC_ALGS });
        return { ok: true, claims: payload };
      }
      if (this.#jwksUrl) {
        const jwks = jwksFor(this.#jwksUrl);
        const { payload } = await jwtVerify(token, jwks, { ...this.#options, algorithms: PUBLIC_KEY_ALGS });
        return { ok: true, claims: payload };
      }
      return this.#fail(`Tokens signed with ${alg ?? "no algorithm"} are not accepted`, "Unsupported algorithm");
    } catch (err) {
      if (isKeySourceFailure(err)) {
        return {
          ok: false,
          error: new BunbaseError("FN_004", "The signing keys (jwksUrl) could not be fetched", {
            status: 502,
            cause: err,
          }),
        };
      }
      return this.#fail(`Invalid token: ${describeJwtFailure(err)}`, describeJwtFailure(err));
    }
  }

  #fail(message: string, description: string | undefined): AuthOutcome {
    const challenge =
      description === undefined
        ? `Bearer realm="${this.realm}"`
        : `Bearer realm="${this.realm}", error="invalid_token", error_description="${description.replace(/["\\]/g, "")}"`;
    return { ok: false, error: unauthorized(message, challenge) };
  }
}

class ApiKeyAuth implements AuthRule {
  readonly #header: string;
  readonly #digests: Buffer[];

  constructor(
    config: ApiKeyConfig,
    private readonly realm: string,
  ) {
    this.#header = (config.header ?? "x-api-key").toLowerCase();
    // An unresolved `${secrets.X}` arrives as "": it must not become a key that matches an empty header.
    this.#digests = config.keys.filter((key) => key.length > 0).map(sha256);
  }

  verify(header: (name: string) => string | undefined): Promise<AuthOutcome> {
    const given = header(this.#header);
    const challenge = `ApiKey realm="${this.realm}", header="${this.#header}"`;
    if (!given)
      return Promise.resolve({ ok: false, error: unauthorized(`Missing API key: send ${this.#header}`, challenge) });
    const digest = sha256(given);
    let found = -1;
    // Every key is compared, so the time taken says nothing about which one (or whether one) matched.
    this.#digests.forEach((key, i) => {
      if (timingSafeEqual(key, digest) && found === -1) found = i;
    });
    if (found === -1) return Promise.resolve({ ok: false, error: unauthorized("Invalid API key", challenge) });
    return Promise.resolve({ ok: true, claims: { type: "apiKey", keyIndex: found } });
  }
}

function sha256(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}

function unauthorized(message: string, challenge: string): BunbaseError {
  return new BunbaseError("FN_009", message, { status: 401, headers: { "www-authenticate": challenge } });
}
