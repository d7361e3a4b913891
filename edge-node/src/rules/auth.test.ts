import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { SignJWT, UnsecuredJWT, exportJWK, generateKeyPair } from "jose";
import { authRule } from "./auth.ts";

const SECRET = "an-hs256-secret-of-enough-length!";
const key = new TextEncoder().encode(SECRET);
const headersOf = (map: Record<string, string>) => (name: string) => map[name];
const bearer = (token: string) => headersOf({ authorization: `Bearer ${token}` });

interface Options {
  exp?: string | number;
  aud?: string;
  secret?: Uint8Array;
}

function hs256(claims: Record<string, unknown> = {}, { exp = "5m", aud = "api", secret = key }: Options = {}) {
  return new SignJWT({ sub: "user-1", ...claims })
    .setProtectedHeader({ alg: "HS256" })
    .setIssuedAt()
    .setIssuer("https://issuer.example")
    .setAudience(aud)
    .setExpirationTime(exp)
    .sign(secret);
}

const jwt = authRule({ type: "jwt", secret: SECRET, issuer: "https://issuer.example", audience: "api" }, "fn");

test("a valid HS256 token passes and its claims come out", async () => {
  const outcome = await jwt.verify(bearer(await hs256({ role: "admin" })));
  assert.ok(outcome.ok);
  assert.equal((outcome.claims as { sub?: string }).sub, "user-1");
  assert.equal((outcome.claims as { role?: string }).role, "admin");
});

test("missing, expired, wrong audience, wrong key and alg none are 401 FN_009", async () => {
  const cases: [string, (name: string) => string | undefined, RegExp][] = [
    ["missing", headersOf({}), /^Bearer realm="fn"$/],
    ["expired", bearer(await hs256({}, { exp: Math.floor(Date.now() / 1000) - 60 })), /error="invalid_token".*expired/],
    ["audience", bearer(await hs256({}, { aud: "other" })), /error="invalid_token".*aud/],
    ["wrong key", bearer(await hs256({}, { secret: new TextEncoder().encode("x".repeat(40)) })), /signature/],
    ["alg none", bearer(new UnsecuredJWT({ sub: "x" }).setAudience("api").encode()), /invalid_token/],
    ["garbage", bearer("not.a.jwt"), /invalid_token/],
  ];
  for (const [name, headers, challenge] of cases) {
    const outcome = await jwt.verify(headers);
    assert.ok(!outcome.ok, name);
    assert.equal(outcome.error.code, "FN_009", name);
    assert.equal(outcome.error.status, 401, name);
    assert.match(outcome.error.headers?.["www-authenticate"] ?? "", challenge, name);
  }
});

test("an empty (unresolved) secret accepts nothing", async () => {
  const rule = authRule({ type: "jwt", secret: "" }, "fn");
  const outcome = await rule.verify(bearer(await hs256()));
  assert.ok(!outcome.ok);
});

test("ES256 and RS256 tokens verify against a JWKS URL", async (t) => {
  const es = await generateKeyPair("ES256");
  const rs = await generateKeyPair("RS256");
  const other = await generateKeyPair("ES256");
  const keys = [
    { ...(await exportJWK(es.publicKey)), kid: "es", alg: "ES256" },
    { ...(await exportJWK(rs.publicKey)), kid: "rs", alg: "RS256" },
  ];
  const server = createServer((_, res) => res.end(JSON.stringify({ keys })));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => server.close());
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  const rule = authRule({ type: "jwt", jwksUrl: url, audience: ["api", "web"] }, "fn");
  const sign = (alg: string, kid: string, privateKey: Parameters<SignJWT["sign"]>[0]) =>
    new SignJWT({ sub: alg })
      .setProtectedHeader({ alg, kid })
      .setAudience("web")
      .setExpirationTime("1m")
      .sign(privateKey);
  const esOk = await rule.verify(bearer(await sign("ES256", "es", es.privateKey)));
  assert.ok(esOk.ok);
  const rsOk = await rule.verify(bearer(await sign("RS256", "rs", rs.privateKey)));
  assert.ok(rsOk.ok);
  const forged = await rule.verify(bearer(await sign("ES256", "es", other.privateKey)));
  assert.ok(!forged.ok && forged.error.status === 401);
  // HS256 with the public key as the secret (the classic confusion) is refused.
  const confused = await rule.verify(
    bearer(await hs256({}, { aud: "web", secret: new TextEncoder().encode(JSON.stringify(keys[0])) })),
  );
  assert.ok(!confused.ok && confused.error.status === 401);
});

test("a JWKS URL that does not answer is 502, not the client's fault", async () => {
  const rule = authRule({ type: "jwt", jwksUrl: "http://127.0.0.1:9/jwks.json" }, "fn");
  const es = await generateKeyPair("ES256");
  const token = await new SignJWT({}).setProtectedHeader({ alg: "ES256" }).sign(es.privateKey);
  const outcome = await rule.verify(bearer(token));
  assert.ok(!outcome.ok);
  assert.equal(outcome.error.status, 502);
});

test("apiKey: the configured header must hold one of the keys", async () => {
  const rule = authRule({ type: "apiKey", header: "X-Key", keys: ["k1", "", "k2"] }, "fn");
  const good = await rule.verify(headersOf({ "x-key": "k2" }));
  assert.deepEqual(good, { ok: true, claims: { type: "apiKey", keyIndex: 1 } });
  for (const headers of [headersOf({}), headersOf({ "x-key": "nope" }), headersOf({ "x-key": "" })]) {
    const bad = await rule.verify(headers);
    assert.ok(!bad.ok);
    assert.equal(bad.error.status, 401);
    assert.equal(bad.error.code, "FN_009");
    assert.match(bad.error.headers?.["www-authenticate"] ?? "", /^ApiKey realm="fn"/);
  }
});
