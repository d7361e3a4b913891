import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { build } from "esbuild";
import * as jose from "jose";
import { collectingPool, limits, source } from "./test-support.ts";
import type { FunctionSource } from "./index.ts";

const { pool } = collectingPool();
after(() => pool.close());

/** A function bundle that uses the real `jose` (the repo's devDependency), bundled as the CLI would. */
const ENTRY = `
import * as jose from "jose";
const secret = new TextEncoder().encode("a-string-secret-at-least-256-bits-long");
export async function handler(event) {
  const hs = await new jose.SignJWT({ sub: "user-1", role: "admin" })
    .setProtectedHeader({ alg: "HS256" }).setIssuedAt().setIssuer("bunbase").setExpirationTime("2h").sign(secret);
  const hsVerified = await jose.jwtVerify(hs, secret, { issuer: "bunbase" });
  const { publicKey, privateKey } = await jose.generateKeyPair("ES256", { extractable: true });
  const es = await new jose.SignJWT({ sub: "user-2" }).setProtectedHeader({ alg: "ES256" }).sign(privateKey);
  const esVerified = await jose.jwtVerify(es, publicKey);
  const rsKey = await jose.importJWK(event.rsaJwk, "RS256");
  const rsVerified = await jose.jwtVerify(event.rsToken, rsKey, { audience: "edge" });
  let forged = "accepted";
  try { await jose.jwtVerify(hs.slice(0, -2) + "AA", secret); } catch (e) { forged = e.code; }
  return {
    hs, hsClaims: { sub: hsVerified.payload.sub, role: hsVerified.payload.role, alg: hsVerified.protectedHeader.alg },
    es, esPublic: await jose.exportJWK(publicKey), esSub: esVerified.payload.sub,
    rsSub: rsVerified.payload.sub, forged,
  };
}`;

let fn: FunctionSource;
before(async () => {
  const result = await build({
    stdin: { contents: ENTRY, resolveDir: fileURLToPath(new URL("../../..", import.meta.url)), loader: "ts" },
    bundle: true,
    write: false,
    format: "esm",
    platform: "neutral",
    mainFields: ["browser", "module", "main"],
    logLevel: "silent",
  });
  fn = source(result.outputFiles[0].text);
});

describe("jose inside the isolate", () => {
  it("signs and verifies HS256, ES256 and RS256 (JWK) tokens the host agrees with", async () => {
    const rsa = await jose.generateKeyPair("RS256", { extractable: true });
    const rsaJwk = await jose.exportJWK(rsa.publicKey);
    const rsToken = await new jose.SignJWT({ sub: "user-3" })
      .setProtectedHeader({ alg: "RS256" })
      .setAudience("edge")
      .sign(rsa.privateKey);
    const { result } = await pool.invokeEvent(fn, limits, {
      invocationId: "jose",
      event: { rsaJwk, rsToken },
      env: {},
    });
    const out = result as {
      hs: string;
      hsClaims: unknown;
      es: string;
      esPublic: jose.JWK;
      esSub: string;
      rsSub: string;
      forged: string;
    };
    assert.deepEqual(out.hsClaims, { sub: "user-1", role: "admin", alg: "HS256" });
    assert.equal(out.esSub, "user-2");
    assert.equal(out.rsSub, "user-3");
    assert.equal(out.forged, "ERR_JWS_SIGNATURE_VERIFICATION_FAILED");
    // The host, with Node's own webcrypto, accepts what the isolate signed.
    const secret = new TextEncoder().encode("a-string-secret-at-least-256-bits-long");
    assert.equal((await jose.jwtVerify(out.hs, secret)).payload.sub, "user-1");
    const esPublic = await jose.importJWK(out.esPublic, "ES256");
    assert.equal((await jose.jwtVerify(out.es, esPublic)).payload.sub, "user-2");
  });
});
