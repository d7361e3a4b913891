// auth() of @bunbase/functions, run by Node as the guest code it is (web APIs only), with
// tokens made by jose and a real JWKS server on port 0.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { SignJWT, UnsecuredJWT, exportJWK, generateKeyPair } from "jose";
import { auth, middleware, type Context } from "./functions.guest.ts";

const SECRET = "sdk-test-hs256-secret-0123456789abcdef";
const ctx: Context = Object.freeze({
  env: { JWT_SECRET: SECRET, KEY_B: "key-b" },
  requestId: "inv_1",
  waitUntil: () => undefined,
});
const echo = (_req: Request, c: Context) => Response.json({ auth: c.auth ?? null });

function hs(options: { aud?: string; exp?: number | string; key?: string; alg?: string } = {}) {
  return new SignJWT({ sub: "user-1", role: "admin" })
    .setProtectedHeader({ alg: options.alg ?? "HS256" })
    .setIssuer("https://issuer.test")
    .setAudience(options.aud ?? "api")
    .setExpirationTime(options.exp ?? "5m")
    .sign(new TextEncoder().encode(options.key ?? SECRET));
}

function call(handler: ReturnType<typeof middleware>, headers: Record<string, string> = {}) {
  return Promise.resolve(handler(new Request("https://fn.example.test/p", { headers }), ctx));
}

async function envelope(res: Response) {
  assert.equal(res.headers.get("content-type"), "application/json");
  return ((await res.json()) as { error: { code: string; message: string; requestId?: string } }).error;
}

describe("auth({ type: 'jwt', secret })", () => {
  const handler = middleware([
    auth({ type: "jwt", secret: "${env.JWT_SECRET}", issuer: "https://issuer.test", audience: "api" }),
    echo,
  ]);

  test("a valid token's claims reach ctx.auth", async () => {
    for (const alg of ["HS256", "HS384", "HS512"]) {
      const res = await call(handler, { authorization: `Bearer ${await hs({ alg })}` });
      assert.equal(res.status, 200, alg);
      const { auth: claims } = (await res.json()) as { auth: Record<string, unknown> };
      assert.equal(claims.sub, "user-1");
      assert.equal(claims.role, "admin");
    }
  });

  test("no token: 401 FN_009 with a bare challenge, in the edge's envelope", async () => {
    const res = await call(handler);
    assert.equal(res.status, 401);
    assert.equal(res.headers.get("www-authenticate"), 'Bearer realm="fn.example.test"');
    assert.deepEqual(await envelope(res), {
      code: "FN_009",
      message: "Missing bearer token: send Authorization: Bearer <jwt>",
      requestId: "inv_1",
    });
  });

  test("expired, wrong audience, wrong key, alg none and garbage: 401 invalid_token", async () => {
    const bad: Record<string, [string, RegExp]> = {
      expired: [await hs({ exp: Math.floor(Date.now() / 1000) - 120 }), /has expired/],
      "wrong audience": [await hs({ aud: "someone-else" }), /aud claim/],
      "wrong key": [await hs({ key: "another-secret-of-enough-length-000" }), /signature does not verify/],
      "alg none": [
        new UnsecuredJWT({ sub: "user-1" }).setIssuer("https://issuer.test").setAudience("api").encode(),
        /none are not accepted/,
      ],
      garbage: ["abc.def", /not a JWT/],
    };
    for (const [name, [token, message]] of Object.entries(bad)) {
      const res = await call(handler, { authorization: `Bearer ${token}` });
      assert.equal(res.status, 401, name);
      const challenge = res.headers.get("www-authenticate") ?? "";
      assert.match(challenge, /^Bearer realm="fn.example.test", error="invalid_token", error_description="/, name);
      const error = await envelope(res);
      assert.equal(error.code, "FN_009", name);
      assert.match(error.message, message, name);
    }
  });

  test("an unset variable is an empty secret, which verifies nothing", async () => {
    const unset = middleware([auth({ type: "jwt", secret: "${env.NOT_SET}" }), echo]);
    const res = await call(unset, { authorization: `Bearer ${await hs()}` });
    assert.equal(res.status, 401);
    assert.match((await envelope(res)).message, /HS256 are not accepted/);
  });
});

describe("auth({ type: 'jwt', jwksUrl })", () => {
  let server: Server;
  let jwksUrl: string;
  let fetches = 0;
  let es: Awaited<ReturnType<typeof generateKeyPair>>;
  let rs: Awaited<ReturnType<typeof generateKeyPair>>;

  before(async () => {
    es = await generateKeyPair("ES256");
    rs = await generateKeyPair("RS256");
    const keys = [
      { ...(await exportJWK(es.publicKey)), kid: "es", alg: "ES256" },
      { ...(await exportJWK(rs.publicKey)), kid: "rs", alg: "RS256" },
    ];
    server = createServer((_req, res) => {
      fetches += 1;
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ keys }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  });
  after(() => server?.close());

  test("RS256 and ES256 tokens verify against the key set, fetched once", async () => {
    const handler = middleware([auth({ type: "jwt", jwksUrl, audience: ["api", "other"] }), echo]);
    const sign = (alg: string, kid: string, key: typeof es.privateKey) =>
      new SignJWT({ sub: kid }).setProtectedHeader({ alg, kid }).setAudience("api").setExpirationTime("1m").sign(key);
    for (const [alg, kid, key] of [
      ["ES256", "es", es.privateKey],
      ["RS256", "rs", rs.privateKey],
    ] as const) {
      const res = await call(handler, { authorization: `Bearer ${await sign(alg, kid, key)}` });
      assert.equal(res.status, 200, alg);
      assert.equal(((await res.json()) as { auth: { sub: string } }).auth.sub, kid);
    }
    assert.equal(fetches, 1, "the key set is cached in module scope");
    const stranger = await generateKeyPair("ES256");
    const forged = await call(handler, { authorization: `Bearer ${await sign("ES256", "es", stranger.privateKey)}` });
    assert.equal(forged.status, 401);
    // Only a JWKS configured: an HMAC token is refused, whatever it is signed with.
    const hmac = await call(handler, { authorization: `Bearer ${await hs()}` });
    assert.equal(hmac.status, 401);
  });

  test("a key set that cannot be fetched is 502 FN_004, not the token's fault", async () => {
    const handler = middleware([auth({ type: "jwt", jwksUrl: "http://127.0.0.1:9/jwks.json" }), echo]);
    const token = await new SignJWT({}).setProtectedHeader({ alg: "ES256", kid: "es" }).sign(es.privateKey);
    const res = await call(handler, { authorization: `Bearer ${token}` });
    assert.equal(res.status, 502);
    assert.equal((await envelope(res)).code, "FN_004");
  });
});

describe("auth({ type: 'apiKey' })", () => {
  const handler = middleware([auth({ type: "apiKey", keys: ["${env.NOT_SET}", "key-a", "${env.KEY_B}"] }), echo]);

  test("a listed key passes; ctx.auth says which, never the key", async () => {
    const res = await call(handler, { "x-api-key": "key-b" });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { auth: { type: "apiKey", keyIndex: 2 } });
  });

  test("missing, wrong and empty keys: 401 FN_009 with the ApiKey challenge", async () => {
    for (const headers of [{}, { "x-api-key": "nope" }, { "x-api-key": "" }] as Record<string, string>[]) {
      const res = await call(handler, headers);
      assert.equal(res.status, 401);
      assert.equal(res.headers.get("www-authenticate"), 'ApiKey realm="fn.example.test", header="x-api-key"');
      assert.equal((await envelope(res)).code, "FN_009");
    }
  });

  test("another header and a realm of one's own", async () => {
    const custom = middleware([auth({ type: "apiKey", header: "X-Partner", keys: ["k"], realm: 'pa"rt' }), echo]);
    assert.equal((await call(custom, { "x-partner": "k" })).status, 200);
    const res = await call(custom, { "x-api-key": "k" });
    assert.equal(res.headers.get("www-authenticate"), 'ApiKey realm="part", header="x-partner"');
  });
});
