/**
 * `middleware([cors(...), auth(...), rateLimit(...), handler])` from `@bunbase/functions`
 * (contract section 4) through the real origin and a two-worker edge node: the preflight
 * answered in the isolate, JWTs verified there (valid, expired, wrong audience, alg none),
 * the claims on ctx.auth, and the rate limit counted by the node, exact across workers.
 */
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { SignJWT, UnsecuredJWT, exportJWK, generateKeyPair } from "jose";
import { deployFiles, errorOf, onFreshConnection } from "../helpers/functions.ts";
import { startPlatform, type TestPlatform } from "../helpers/platform.ts";

const JWT_SECRET = "sdk-integration-hs256-secret-0123456789";

/** The contract's example, plus an outer layer naming the isolate that answered. */
const SOURCE = `import { auth, cors, middleware, rateLimit } from "@bunbase/functions";
const instance = crypto.randomUUID();
const tag = async (req, ctx, next) => {
  const res = await next();
  const out = new Response(res.body, res);
  out.headers.set("x-instance", instance);
  return out;
};
export default middleware([
  tag,
  cors({ origin: ["https://app.example"], credentials: true }),
  auth({ type: "jwt", secret: "\${env.JWT_SECRET}", issuer: "https://issuer.test", audience: "api" }),
  rateLimit({ maxRequests: 5, window: "1m" }),
  (req, ctx) => Response.json({ auth: ctx.auth }),
]);`;

let p: TestPlatform;
let jwks: Server | undefined;

before(async () => {
  p = await startPlatform({ BUNBASE_EDGE_WORKERS: "2" });
  const res = await p.api("/secrets", { method: "POST", json: { name: "JWT_SECRET", value: JWT_SECRET } });
  assert.equal(res.status, 201, await res.text());
  for (const name of ["sdk-auth", "sdk-limited"]) {
    await deployFiles(
      p,
      {
        name,
        triggers: [{ type: "http", path: `/${name}`, methods: ["GET", "POST", "OPTIONS"] }],
        environment: { JWT_SECRET: "${secrets.JWT_SECRET}" },
      },
      { "index.ts": SOURCE },
    );
  }
});

after(async () => {
  jwks?.close();
  await p?.stop();
});

const secret = new TextEncoder().encode(JWT_SECRET);
function token(options: { aud?: string; exp?: string | number } = {}) {
  return new SignJWT({ sub: "user-1", role: "admin" })
    .setProtectedHeader({ alg: "HS256" })
    .setIssuer("https://issuer.test")
    .setAudience(options.aud ?? "api")
    .setExpirationTime(options.exp ?? "5m")
    .sign(secret);
}

test("a preflight is answered by cors() before auth() asks for a token", async () => {
  const res = await p.edge("/sdk-auth", {
    method: "OPTIONS",
    headers: {
      origin: "https://app.example",
      "access-control-request-method": "POST",
      "access-control-request-headers": "authorization",
    },
  });
  assert.equal(res.status, 204);
  assert.equal(res.headers.get("access-control-allow-origin"), "https://app.example");
  assert.equal(res.headers.get("access-control-allow-credentials"), "true");
  assert.equal(res.headers.get("access-control-allow-headers"), "authorization");
  assert.match(res.headers.get("access-control-allow-methods") ?? "", /POST/);
});

test("a valid JWT's claims reach the handler as ctx.auth", async () => {
  const res = await p.edge("/sdk-auth", {
    headers: { authorization: `Bearer ${await token()}`, origin: "https://app.example" },
  });
  assert.equal(res.status, 200);
  const { auth } = (await res.json()) as { auth: Record<string, unknown> };
  assert.equal(auth.sub, "user-1");
  assert.equal(auth.role, "admin");
  assert.equal(res.headers.get("access-control-allow-origin"), "https://app.example");
  assert.equal(res.headers.get("ratelimit-limit"), "5");
});

test("no token, expired, wrong audience and alg none: 401 FN_009 in the edge's envelope", async () => {
  const missing = await p.edge("/sdk-auth", { headers: { origin: "https://app.example" } });
  assert.equal(missing.status, 401);
  assert.match(missing.headers.get("www-authenticate") ?? "", /^Bearer realm="[^"]+"$/);
  // cors() is outside auth(): a browser can read the refusal.
  assert.equal(missing.headers.get("access-control-allow-origin"), "https://app.example");
  const error = await errorOf(missing);
  assert.equal(error.code, "FN_009");
  const bad = {
    expired: await token({ exp: Math.floor(Date.now() / 1000) - 120 }),
    "wrong audience": await token({ aud: "someone-else" }),
    "alg none": new UnsecuredJWT({ sub: "user-1" }).setIssuer("https://issuer.test").setAudience("api").encode(),
  };
  for (const [name, jwt] of Object.entries(bad)) {
    const res = await p.edge("/sdk-auth", { headers: { authorization: `Bearer ${jwt}` } });
    assert.equal(res.status, 401, name);
    assert.match(res.headers.get("www-authenticate") ?? "", /error="invalid_token"/, name);
    const body = (await res.json()) as { error: { code: string; requestId: string } };
    assert.equal(body.error.code, "FN_009", name);
    assert.equal(body.error.requestId, res.headers.get("x-bunbase-invocation-id"), name);
  }
});

const freshConnection = (path: string, headers: Record<string, string>) => onFreshConnection(p.edgeUrl + path, headers);

test("rateLimit(): the 6th request is 429 FN_007, counted by the node across both workers", async () => {
  const headers = { authorization: `Bearer ${await token()}` };
  const results = [];
  for (let i = 0; i < 16; i++) results.push(await freshConnection("/sdk-limited", headers));
  assert.deepEqual(
    results.map((r) => r.status),
    [...Array<number>(5).fill(200), ...Array<number>(11).fill(429)],
  );
  const instances = new Set(results.map((r) => r.headers["x-instance"]));
  assert.equal(instances.size, 2, "both workers' isolates answered, and counted together");
  assert.deepEqual(
    results.slice(0, 5).map((r) => r.headers["ratelimit-remaining"]),
    ["4", "3", "2", "1", "0"],
  );
  const refused = results[5];
  const error = (JSON.parse(refused.body) as { error: { code: string; requestId: string; details: unknown } }).error;
  assert.equal(error.code, "FN_007");
  assert.equal(error.requestId, refused.headers["x-bunbase-invocation-id"]);
  assert.deepEqual(error.details, { limit: 5, windowSeconds: 60 });
  assert.ok(Number(refused.headers["retry-after"]) >= 1);
  assert.equal(refused.headers["ratelimit-limit"], "5");
  assert.equal(refused.headers["ratelimit-remaining"], "0");
  assert.equal(refused.headers["ratelimit-policy"], "5;w=60");
});

test("jwksUrl: the key set is fetched by the function's own fetch, under its egress rules", async () => {
  const es = await generateKeyPair("ES256");
  const keys = [{ ...(await exportJWK(es.publicKey)), kid: "k1", alg: "ES256" }];
  jwks = createServer((_req, res) => res.end(JSON.stringify({ keys })));
  await new Promise<void>((resolve) => jwks?.listen(0, "127.0.0.1", resolve));
  const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;
  const code = `import { auth, middleware } from "@bunbase/functions";
export default middleware([auth({ type: "jwt", jwksUrl: ${JSON.stringify(jwksUrl)} }), (req, ctx) => Response.json(ctx.auth)]);`;
  // 127.0.0.1 is a loopback address: only allowPrivateNetworks opens it.
  for (const [name, vpc] of [
    ["sdk-jwks", { allowPrivateNetworks: true }],
    ["sdk-jwks-closed", undefined],
  ] as const) {
    await deployFiles(
      p,
      { name, triggers: [{ type: "http", path: `/${name}` }], ...(vpc ? { vpc } : {}) },
      { "index.ts": code },
    );
  }
  const jwt = await new SignJWT({ sub: "es-user" }).setProtectedHeader({ alg: "ES256", kid: "k1" }).sign(es.privateKey);
  const ok = await p.edge("/sdk-jwks", { headers: { authorization: `Bearer ${jwt}` } });
  assert.equal(ok.status, 200);
  assert.equal(((await ok.json()) as { sub: string }).sub, "es-user");
  const other = await generateKeyPair("ES256");
  const forgedJwt = await new SignJWT({}).setProtectedHeader({ alg: "ES256", kid: "k1" }).sign(other.privateKey);
  const forged = await p.edge("/sdk-jwks", { headers: { authorization: `Bearer ${forgedJwt}` } });
  assert.equal(forged.status, 401);
  await forged.body?.cancel();
  const closed = await p.edge("/sdk-jwks-closed", { headers: { authorization: `Bearer ${jwt}` } });
  assert.equal(closed.status, 502);
  assert.equal((await errorOf(closed)).code, "FN_004");
});
