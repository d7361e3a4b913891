/**
 * The `edge` block (contract section 3) through the real origin and a two-worker edge
 * node: auth (JWT with a secret and with a JWKS URL, API keys), CORS, IP lists, the rate
 * limit (exact across the workers), A/B tests, rewrites and redirects. Geo rules need a
 * GeoIP database and are covered by the rules' unit tests.
 */
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { SignJWT, UnsecuredJWT, exportJWK, generateKeyPair } from "jose";
import { deployFiles, errorOf, onFreshConnection } from "../helpers/functions.ts";
import { startPlatform, type TestPlatform } from "../helpers/platform.ts";

/** Echoes what the handler saw: path, query, A/B headers and ctx.auth. */
const ECHO = `export async function handler(req: Request, ctx: { auth?: unknown }) {
  const url = new URL(req.url);
  const ab: Record<string, string> = {};
  req.headers.forEach((value, name) => { if (name.startsWith("x-bunbase-ab-")) ab[name] = value; });
  return Response.json({ path: url.pathname, search: url.search, ab, auth: ctx.auth ?? null });
}`;

const JWT_SECRET = "integration-test-hs256-secret-0123456789";
const API_KEY = "k-9f8e7d6c5b4a";

let p: TestPlatform;
let jwks: Server;
let jwksUrl: string;
let esKey: Awaited<ReturnType<typeof generateKeyPair>>;

before(async () => {
  p = await startPlatform({ BUNBASE_EDGE_WORKERS: "2" });
  esKey = await generateKeyPair("ES256");
  const keys = [{ ...(await exportJWK(esKey.publicKey)), kid: "k1", alg: "ES256" }];
  jwks = createServer((_, res) => res.end(JSON.stringify({ keys })));
  await new Promise<void>((resolve) => jwks.listen(0, "127.0.0.1", resolve));
  jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`;
  for (const [name, value] of [
    ["JWT_SECRET", JWT_SECRET],
    ["API_KEY", API_KEY],
  ]) {
    const res = await p.api("/secrets", { method: "POST", json: { name, value } });
    assert.equal(res.status, 201, await res.text());
  }
});

after(async () => {
  jwks?.close();
  await p?.stop();
});

async function deploy(name: string, path: string, edge: Record<string, unknown>, methods?: string[]) {
  const trigger = methods ? { type: "http", path, methods } : { type: "http", path };
  await deployFiles(p, { name, triggers: [trigger], edge }, { "index.ts": ECHO });
}

interface Echo {
  path: string;
  search: string;
  ab: Record<string, string>;
  auth: Record<string, unknown> | null;
}

const secret = new TextEncoder().encode(JWT_SECRET);
function hs256(options: { aud?: string; exp?: string | number; key?: Uint8Array } = {}) {
  return new SignJWT({ sub: "user-1", role: "admin" })
    .setProtectedHeader({ alg: "HS256" })
    .setIssuer("https://issuer.test")
    .setAudience(options.aud ?? "api")
    .setIssuedAt()
    .setExpirationTime(options.exp ?? "5m")
    .sign(options.key ?? secret);
}

test("jwt auth with a ${secrets.X} secret: claims reach ctx.auth; bad tokens are 401 FN_009", async () => {
  await deploy("jwt-fn", "/jwt", {
    auth: { type: "jwt", secret: "${secrets.JWT_SECRET}", issuer: "https://issuer.test", audience: "api" },
  });
  const ok = await p.edge("/jwt", { headers: { authorization: `Bearer ${await hs256()}` } });
  assert.equal(ok.status, 200);
  const echo = (await ok.json()) as Echo;
  assert.equal(echo.auth?.sub, "user-1");
  assert.equal(echo.auth?.role, "admin");

  const missing = await p.edge("/jwt");
  assert.equal(missing.status, 401);
  assert.equal(missing.headers.get("www-authenticate"), 'Bearer realm="jwt-fn"');
  assert.equal((await errorOf(missing)).code, "FN_009");

  const bad = {
    expired: await hs256({ exp: Math.floor(Date.now() / 1000) - 120 }),
    "wrong audience": await hs256({ aud: "someone-else" }),
    "wrong key": await hs256({ key: new TextEncoder().encode("another-secret-of-enough-length-000") }),
    "alg none": new UnsecuredJWT({ sub: "user-1" }).setIssuer("https://issuer.test").setAudience("api").encode(),
  };
  for (const [name, token] of Object.entries(bad)) {
    const res = await p.edge("/jwt", { headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 401, name);
    assert.match(res.headers.get("www-authenticate") ?? "", /^Bearer realm="jwt-fn", error="invalid_token"/, name);
    assert.equal((await errorOf(res)).code, "FN_009", name);
  }
});

test("jwt auth with a JWKS URL (ES256)", async () => {
  await deploy("jwks-fn", "/jwks", { auth: { type: "jwt", jwksUrl, audience: "api" } });
  const sign = (privateKey: typeof esKey.privateKey) =>
    new SignJWT({ sub: "es-user" })
      .setProtectedHeader({ alg: "ES256", kid: "k1" })
      .setAudience("api")
      .setExpirationTime("1m")
      .sign(privateKey);
  const ok = await p.edge("/jwks", { headers: { authorization: `Bearer ${await sign(esKey.privateKey)}` } });
  assert.equal(ok.status, 200);
  assert.equal(((await ok.json()) as Echo).auth?.sub, "es-user");
  const other = await generateKeyPair("ES256");
  const forged = await p.edge("/jwks", { headers: { authorization: `Bearer ${await sign(other.privateKey)}` } });
  assert.equal(forged.status, 401);
  await forged.body?.cancel();
});

test("apiKey auth", async () => {
  await deploy("key-fn", "/keyed", { auth: { type: "apiKey", header: "x-api-key", keys: ["${secrets.API_KEY}"] } });
  const ok = await p.edge("/keyed", { headers: { "x-api-key": API_KEY } });
  assert.equal(ok.status, 200);
  assert.deepEqual(((await ok.json()) as Echo).auth, { type: "apiKey", keyIndex: 0 });
  for (const headers of [{}, { "x-api-key": "wrong" }] as Record<string, string>[]) {
    const res = await p.edge("/keyed", { headers });
    assert.equal(res.status, 401);
    assert.equal((await errorOf(res)).code, "FN_009");
    assert.match(res.headers.get("www-authenticate") ?? "", /^ApiKey realm="key-fn"/);
  }
});

test("cors: the edge answers preflights; actual responses carry the headers", async () => {
  await deploy(
    "cors-fn",
    "/cors",
    { cors: { origin: ["https://app.example"], methods: ["GET", "POST"], credentials: true, maxAge: 600 } },
    ["GET", "POST"],
  );
  const preflight = await p.edge("/cors", {
    method: "OPTIONS",
    headers: {
      origin: "https://app.example",
      "access-control-request-method": "POST",
      "access-control-request-headers": "content-type",
    },
  });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get("access-control-allow-origin"), "https://app.example");
  assert.equal(preflight.headers.get("access-control-allow-methods"), "GET, POST");
  assert.equal(preflight.headers.get("access-control-allow-headers"), "content-type");
  assert.equal(preflight.headers.get("access-control-allow-credentials"), "true");
  assert.equal(preflight.headers.get("access-control-max-age"), "600");
  assert.match(preflight.headers.get("vary") ?? "", /origin/);

  const actual = await p.edge("/cors", { headers: { origin: "https://app.example" } });
  assert.equal(actual.status, 200);
  assert.equal(actual.headers.get("access-control-allow-origin"), "https://app.example");
  assert.equal(actual.headers.get("access-control-allow-credentials"), "true");
  await actual.body?.cancel();

  const stranger = await p.edge("/cors", { headers: { origin: "https://evil.example" } });
  assert.equal(stranger.headers.get("access-control-allow-origin"), null);
  await stranger.body?.cancel();
});

test("ip deny (the loopback client) and an allow list that lacks it: 403 FN_009", async () => {
  await deploy("deny-fn", "/denied", { ipDeny: ["127.0.0.0/8", "::1"] });
  await deploy("allow-fn", "/allowed-only", { ipAllow: ["203.0.113.0/24"] });
  await deploy("allow-me-fn", "/allowed", { ipAllow: ["127.0.0.1", "::1"] });
  for (const path of ["/denied", "/allowed-only"]) {
    const res = await p.edge(path);
    assert.equal(res.status, 403, path);
    assert.equal((await errorOf(res)).code, "FN_009", path);
  }
  const ok = await p.edge("/allowed");
  assert.equal(ok.status, 200);
  await ok.body?.cancel();
});

const freshConnection = (path: string, headers: Record<string, string> = {}) =>
  onFreshConnection(p.edgeUrl + path, headers);

test("rate limit: exactly maxRequests pass across both workers, then 429 FN_007", async () => {
  await deployFiles(
    p,
    {
      name: "limited-fn",
      triggers: [{ type: "http", path: "/limited" }],
      edge: { rateLimit: { maxRequests: 12, window: "1h" } },
    },
    // One id per isolate: each worker has its own instance, so two ids mean both served.
    { "index.ts": `const id = crypto.randomUUID(); export function handler() { return new Response(id); }` },
  );
  // Sequential new connections reach both workers (a burst tends to land on one).
  const results = [];
  for (let i = 0; i < 20; i++) results.push(await freshConnection("/limited"));
  const instances = new Set(results.filter((r) => r.status === 200).map((r) => r.body));
  assert.equal(instances.size, 2, "both workers served requests");
  assert.deepEqual(
    results.map((r) => r.status),
    [...Array<number>(12).fill(200), ...Array<number>(8).fill(429)],
  );
  assert.deepEqual(
    results.slice(0, 12).map((r) => r.headers["ratelimit-remaining"]),
    ["11", "10", "9", "8", "7", "6", "5", "4", "3", "2", "1", "0"],
  );
  const refused = results[12];
  assert.equal((JSON.parse(refused.body) as { error: { code: string } }).error.code, "FN_007");
  assert.ok(Number(refused.headers["retry-after"]) >= 1);
  assert.equal(refused.headers["ratelimit-limit"], "12");
  assert.equal(refused.headers["ratelimit-remaining"], "0");
  assert.ok(Number(refused.headers["ratelimit-reset"]) >= 1);

  // A burst in parallel is counted as exactly: a fresh limit of 5, 12 at once.
  await deploy("burst-fn", "/burst", { rateLimit: { maxRequests: 5, window: "1h" } });
  const burst = await Promise.all(Array.from({ length: 12 }, () => freshConnection("/burst")));
  assert.equal(burst.filter((r) => r.status === 200).length, 5);
  assert.equal(burst.filter((r) => r.status === 429).length, 7);

  // Keyed by a header: another user has their own budget; no header falls back to the IP.
  await deploy("per-user-fn", "/per-user", { rateLimit: { maxRequests: 2, window: "1h", key: "header:x-user" } });
  const statuses = async (headers: Record<string, string>) => {
    const out: number[] = [];
    for (let i = 0; i < 3; i++) out.push((await freshConnection("/per-user", headers)).status);
    return out;
  };
  assert.deepEqual(await statuses({ "x-user": "alice" }), [200, 200, 429]);
  assert.deepEqual(await statuses({ "x-user": "bob" }), [200, 200, 429]);
  assert.deepEqual(await statuses({}), [200, 200, 429]);
});

test("A/B: 2,000 new clients split by weight; a returning client keeps its variant", async () => {
  await deploy("ab-fn", "/ab/*", {
    abTests: [
      {
        name: "split",
        variants: [
          { name: "a", weight: 70 },
          { name: "b", weight: 30, destination: "/ab/b-side/:path*" },
        ],
      },
    ],
  });
  const counts = { a: 0, b: 0 };
  const queue = Array.from({ length: 2000 }, (_, i) => i);
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (queue.pop() !== undefined) {
        const res = await p.edge("/ab/page?x=1");
        const echo = (await res.json()) as Echo;
        const variant = echo.ab["x-bunbase-ab-split"] as "a" | "b";
        counts[variant] += 1;
        const cookie = res.headers.get("set-cookie") ?? "";
        assert.match(cookie, new RegExp(`^bb_ab_split=${variant}; Path=/; Max-Age=\\d+; SameSite=Lax`));
        assert.equal(echo.path, variant === "b" ? "/ab/b-side/ab/page" : "/ab/page");
        assert.equal(echo.search, "?x=1");
      }
    }),
  );
  assert.equal(counts.a + counts.b, 2000);
  assert.ok(Math.abs(counts.a / 2000 - 0.7) <= 0.03, `a got ${counts.a} of 2000`);

  for (const variant of ["a", "b"]) {
    const res = await p.edge("/ab/page", { headers: { cookie: `bb_ab_split=${variant}` } });
    assert.equal(res.headers.get("set-cookie"), null);
    assert.equal(((await res.json()) as Echo).ab["x-bunbase-ab-split"], variant);
  }
  const unknown = await p.edge("/ab/page", { headers: { cookie: "bb_ab_split=zzz" } });
  assert.match(unknown.headers.get("set-cookie") ?? "", /^bb_ab_split=(a|b);/);
  await unknown.body?.cancel();

  const metrics = await (await p.edge("/metrics")).text();
  const counted = (variant: string) => {
    const line = metrics
      .split("\n")
      .find((l) => l.startsWith("bunbase_edge_ab_assignments_total{") && l.includes(`variant="${variant}"`));
    return Number(line?.split(" ").at(-1));
  };
  assert.equal(counted("a") + counted("b"), 2001);
});

test("A/B: a variant pins a version of the function", async () => {
  const config = { name: "pin-fn", triggers: [{ type: "http", path: "/pinned" }] };
  const v1 = await deployFiles(p, config, { "index.ts": `export default () => new Response("one");` });
  await deployFiles(p, config, { "index.ts": `export default () => new Response("two");` });
  const edge = {
    abTests: [
      {
        name: "ver",
        variants: [
          { name: "old", weight: 1, version: v1.version },
          { name: "new", weight: 0 },
        ],
      },
    ],
  };
  const put = await p.api("/functions/pin-fn", { method: "PUT", json: { ...config, edge } });
  assert.equal(put.status, 200, await put.text());
  await p.synced();
  const res = await p.edge("/pinned");
  assert.equal(await res.text(), "one");
  assert.equal(res.headers.get("x-bunbase-version"), String(v1.version));
});

test("rewrites keep the query and re-route; redirects answer with status and location", async () => {
  await deploy("paths-fn", "/site/*", {
    rewrites: [
      { source: "/site/old/:path*", destination: "/site/new/:path*" },
      { source: "/site/secret", destination: "/jwt" },
    ],
    redirects: [
      { source: "/site/blog/:slug", destination: "/site/posts/:slug", status: 301 },
      { source: "/site/away", destination: "https://example.com/landing" },
    ],
  });
  const rewritten = await p.edge("/site/old/a/b?q=1");
  assert.equal(rewritten.status, 200);
  assert.deepEqual(await rewritten.json(), { path: "/site/new/a/b", search: "?q=1", ab: {}, auth: null });

  // A rewrite into another function goes through that function's rules: no way around its auth.
  const guarded = await p.edge("/site/secret");
  assert.equal(guarded.status, 401);
  await guarded.body?.cancel();

  const moved = await p.edge("/site/blog/hello?utm=x", { redirect: "manual" });
  assert.equal(moved.status, 301);
  assert.equal(moved.headers.get("location"), "/site/posts/hello?utm=x");
  const away = await p.edge("/site/away", { redirect: "manual" });
  assert.equal(away.status, 308);
  assert.equal(away.headers.get("location"), "https://example.com/landing");
});
