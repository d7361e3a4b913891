import assert from "node:assert/strict";
import { test } from "node:test";
import type { EdgeConfig } from "../../../bundler/index.ts";
import type { GeoInfo } from "../../../geo/index.ts";
import { EdgeRules, type EdgeRequest } from "./edge-rules.ts";
import { LocalRateLimitStore } from "./rate-limit-store.ts";

function request(path: string, headers: Record<string, string> = {}, extra: Partial<EdgeRequest> = {}): EdgeRequest {
  const at = path.indexOf("?");
  return {
    method: "GET",
    pathname: at === -1 ? path : path.slice(0, at),
    search: at === -1 ? "" : path.slice(at),
    header: (name) => headers[name],
    clientIp: "198.51.100.7",
    geo: null,
    ...extra,
  };
}

const geo = (country: string, continent: string): GeoInfo => ({
  country,
  continent,
  region: null,
  city: null,
  latitude: null,
  longitude: null,
  asn: null,
  timezone: null,
});

function rules(config: EdgeConfig) {
  return new EdgeRules("fn1", "demo", config);
}

const context = () => ({ rateLimits: new LocalRateLimitStore() });

test("a preflight is answered before any other rule (even an IP deny)", async () => {
  const r = rules({ cors: { origin: "*" }, ipDeny: ["0.0.0.0/0"] });
  const decision = await r.apply(
    request("/x", { origin: "https://a.example", "access-control-request-method": "POST" }, { method: "OPTIONS" }),
    context(),
  );
  assert.equal(decision.action, "answer");
  assert.equal(decision.action === "answer" && decision.status, 204);
});

test("rejections carry the CORS and rate limit headers", async () => {
  const r = rules({ cors: { origin: ["https://a.example"] }, rateLimit: { maxRequests: 1, window: "1m", key: "ip" } });
  const ctx = context();
  const req = request("/x", { origin: "https://a.example" });
  const first = await r.apply(req, ctx);
  assert.equal(first.action, "continue");
  const second = await r.apply(req, ctx);
  assert.equal(second.action, "reject");
  if (second.action !== "reject") return;
  assert.equal(second.error.code, "FN_007");
  const headers = Object.fromEntries(second.headers);
  assert.equal(headers["access-control-allow-origin"], "https://a.example");
  assert.equal(headers["ratelimit-remaining"], "0");
});

test("IP deny answers 403 FN_009", async () => {
  const decision = await rules({ ipDeny: ["198.51.100.0/24"] }).apply(request("/x"), context());
  assert.equal(decision.action === "reject" && decision.error.status, 403);
});

test("auth claims come out of a continue decision", async () => {
  const r = rules({ auth: { type: "apiKey", header: "x-api-key", keys: ["k"] } });
  const ok = await r.apply(request("/x", { "x-api-key": "k" }), context());
  assert.deepEqual(ok.action === "continue" && ok.auth, { type: "apiKey", keyIndex: 0 });
  const bad = await r.apply(request("/x"), context());
  assert.equal(bad.action === "reject" && bad.error.status, 401);
});

test("geo: first matching rule blocks, rewrites, redirects absolute, or names a region", async () => {
  const r = rules({
    geo: [
      { countries: ["KP"], block: true },
      { countries: ["GB"], destination: "/uk/:path*", region: "eu-west" },
      { continents: ["EU"], region: "eu-central" },
      { continents: ["OC"], destination: "https://au.example.com/:path*" },
    ],
  });
  const blocked = await r.apply(request("/a", {}, { geo: geo("KP", "AS") }), context());
  assert.equal(blocked.action === "reject" && blocked.error.code, "FN_009");
  const uk = await r.apply(request("/shop/1?x=1", {}, { geo: geo("GB", "EU") }), context());
  assert.deepEqual(uk.action === "continue" && [uk.rewrite, uk.region], ["/uk/shop/1?x=1", "eu-west"]);
  const fr = await r.apply(request("/a", {}, { geo: geo("FR", "EU") }), context());
  assert.deepEqual(fr.action === "continue" && [fr.rewrite, fr.region], [undefined, "eu-central"]);
  const au = await r.apply(request("/a?q=1", {}, { geo: geo("AU", "OC") }), context());
  assert.deepEqual(au.action === "answer" && [au.status, Object.fromEntries(au.headers).location], [
    302,
    "https://au.example.com/a?q=1",
  ]);
  const unknown = await r.apply(request("/a"), context());
  assert.deepEqual(unknown.action === "continue" && [unknown.rewrite, unknown.region], [undefined, undefined]);
});

test("A/B: header for the handler, cookie on first assignment, destination and version", async () => {
  const assigned: string[] = [];
  const r = rules({
    abTests: [
      {
        name: "checkout",
        variants: [
          { name: "a", weight: 0 },
          { name: "b", weight: 1, destination: "/b/:path*", version: 4 },
        ],
      },
    ],
  });
  const ctx = { ...context(), onAssignment: (t: string, v: string) => assigned.push(`${t}=${v}`) };
  const fresh = await r.apply(request("/cart?x=1"), ctx);
  assert.equal(fresh.action, "continue");
  if (fresh.action !== "continue") return;
  assert.deepEqual(fresh.requestHeaders, [["x-bunbase-ab-checkout", "b"]]);
  assert.match(Object.fromEntries(fresh.responseHeaders)["set-cookie"], /^bb_ab_checkout=b; Path=\/;/);
  assert.equal(fresh.rewrite, "/b/cart?x=1");
  assert.equal(fresh.version, 4);
  assert.deepEqual(assigned, ["checkout=b"]);
  const back = await r.apply(request("/cart", { cookie: "bb_ab_checkout=b" }), ctx);
  assert.ok(back.action === "continue" && back.responseHeaders.length === 0);
  assert.deepEqual(assigned, ["checkout=b"]);
});

test("rewrites follow earlier stages; redirects match the client's path and win", async () => {
  const r = rules({
    rewrites: [{ source: "/old/:path*", destination: "/new/:path*" }],
    redirects: [{ source: "/blog/:slug", destination: "/posts/:slug", status: 301 }],
  });
  const rewritten = await r.apply(request("/old/a/b?q=1"), context());
  assert.equal(rewritten.action === "continue" && rewritten.rewrite, "/new/a/b?q=1");
  const redirected = await r.apply(request("/blog/hi?utm=x"), context());
  assert.deepEqual(
    redirected.action === "answer" && [redirected.status, Object.fromEntries(redirected.headers).location],
    [301, "/posts/hi?utm=x"],
  );
  const untouched = await r.apply(request("/other"), context());
  assert.equal(untouched.action === "continue" && untouched.rewrite, undefined);
});
