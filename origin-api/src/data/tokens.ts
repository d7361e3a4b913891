/**
 * Session tokens of `auth`: HS256 JWTs (RFC 7519) signed with a key derived from the
 * master key (HKDF, RFC 5869, its own label), so they survive restarts and the key is
 * never stored. `iss` "bunbase", `sub` the user id, `exp` one hour.
 */
import { hkdfSync } from "node:crypto";
import { jwtVerify, SignJWT, type JWTPayload } from "jose";
import { BunbaseError, isBunbaseError } from "../../../core/index.ts";

export const TOKEN_ISSUER = "bunbase";
export const TOKEN_TTL_SECONDS = 3600;

export interface TokenClaims extends JWTPayload {
  iss: string;
  sub: string;
  exp: number;
  iat: number;
  email: string;
}

export function deriveTokenKey(masterKey: Buffer): Uint8Array {
  return new Uint8Array(hkdfSync("sha256", masterKey, "", "bunbase auth tokens v1", 32));
}

export class TokenSigner {
  constructor(private readonly key: Uint8Array) {}

  sign(user: { id: string; email: string }): Promise<string> {
    return new SignJWT({ email: user.email })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setIssuer(TOKEN_ISSUER)
      .setSubject(user.id)
      .setIssuedAt()
      .setExpirationTime(`${TOKEN_TTL_SECONDS}s`)
      .sign(this.key);
  }

  /** `Bearer <jwt>` or the bare token -> its claims; 401 FN_009 when missing, malformed, forged or expired. */
  async verify(authorizationOrToken: string | null | undefined): Promise<TokenClaims> {
    const token = (authorizationOrToken ?? "").trim().replace(/^Bearer\s+/i, "");
    if (token === "") throw denied("Missing token");
    try {
      const { payload } = await jwtVerify(token, this.key, { issuer: TOKEN_ISSUER, algorithms: ["HS256"] });
      if (typeof payload.sub !== "string") throw denied("Invalid token");
      return payload as TokenClaims;
    } catch (err) {
      if (isBunbaseError(err)) throw err;
      throw denied((err as { code?: string }).code === "ERR_JWT_EXPIRED" ? "Token expired" : "Invalid token", err);
    }
  }
}

function denied(message: string, cause?: unknown): BunbaseError {
  return new BunbaseError("FN_009", message, { status: 401, cause });
}
