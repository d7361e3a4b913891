// The guest modules are our code and use only web APIs, so Node runs them as they are.
import { test } from "node:test";
import assert from "node:assert/strict";
import { auth, cors, defineConfig, middleware, rateLimit, type Context } from "./functions.guest.ts";
import * as sdk from "./sdk.guest.ts";
import { SDK_MODULES } from "../index.ts";

const ctx: Context = { env: {}, waitUntil: () => undefined };
const ok = () => new Response("ok", { headers: { "content-type": "text/plain" } });

test("defineConfig is the identity", () => {
  const config = { memory: 256 };
  assert.equal(defineConfig(config), config);
});

test("middleware runs in order around the handler and can short-circuit", async () => {
  const seen: string[] = [];
  const handler = middleware([
    async (_req, _ctx, next) => {
      seen.push("a");
      const res = await next();
      seen.push("a-after");
      return res;
    },
    async (req, _ctx, next) => (req.headers.has("x-stop") ? new Response("stopped", { status: 403 }) : next()),
    (_req, c) => {
      seen.push("handler");
      assert.deepEqual(c, ctx);
      return ok();
    },
  ]);
  assert.equal(await (await handler(new Request("http://x/"), ctx)).text(), "ok");
  assert.deepEqual(seen, ["a", "handler", "a-after"]);
  assert.equal((await handler(new Request("http://x/", { headers: { "x-stop": "1" } }), ctx)).status, 403);
  const twice = middleware([async (_r, _c, next) => (await next(), next()), ok]);
  await assert.rejects(Promise.resolve(twice(new Request("http://x/"), ctx)), /more than once/);
});

test("cors answers preflight with 204 and allow headers", async () => {
  const handler = middleware([cors({ origin: ["https://app.example.com"], credentials: true, maxAge: 600 }), ok]);
  const res = await handler(
    new Request("http://x/", {
      method: "OPTIONS",
      headers: {
        origin: "https://app.example.com",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
      },
    }),
    ctx,
  );
  assert.equal(res.status, 204);
  assert.equal(res.headers.get("access-control-allow-origin"), "https://app.example.com");
  assert.equal(res.headers.get("access-control-allow-credentials"), "true");
  assert.equal(res.headers.get("access-control-allow-headers"), "content-type");
  assert.equal(res.headers.get("access-control-max-age"), "600");
  assert.match(res.headers.get("access-control-allow-methods") ?? "", /POST/);
  assert.match(res.headers.get("vary") ?? "", /Origin/);
});

test("cors decorates actual responses; unknown origins get no allow-origin", async () => {
  const listed = middleware([cors({ origin: ["https://a.example"] }), ok]);
  const good = await listed(new Request("http://x/", { headers: { origin: "https://a.example" } }), ctx);
  assert.equal(good.headers.get("access-control-allow-origin"), "https://a.example");
  assert.equal(good.headers.get("vary"), "Origin");
  assert.equal(await good.text(), "ok");
  const other = await listed(new Request("http://x/", { headers: { origin: "https://evil.example" } }), ctx);
  assert.equal(other.headers.get("access-control-allow-origin"), null);
  const star = await middleware([cors({ origin: "*" }), ok])(
    new Request("http://x/", { headers: { origin: "https://z" } }),
    ctx,
  );
  assert.equal(star.headers.get("access-control-allow-origin"), "*");
  assert.equal(star.headers.get("vary"), null);
});

test("the layers share one mutable copy of the platform's frozen ctx", async () => {
  const frozen = Object.freeze({ env: { A: "1" }, waitUntil: () => undefined }) as Context;
  const handler = middleware([
    async (_req, c, next) => {
      c.auth = { sub: "u" };
      return next();
    },
    (_req, c) => Response.json({ auth: c.auth, env: c.env }),
  ]);
  assert.deepEqual(await (await handler(new Request("http://x/"), frozen)).json(), {
    auth: { sub: "u" },
    env: { A: "1" },
  });
  assert.equal(frozen.auth, undefined);
});

test("auth() and rateLimit() check their options when made", () => {
  assert.throws(() => auth({ type: "jwt" }), /jwt needs a secret or a jwksUrl .*\$\{env.JWT_SECRET\}/);
  assert.throws(() => auth({ type: "jwt", jwksUrl: "ftp://x" }), /jwksUrl must be an http\(s\) URL/);
  assert.throws(() => auth({ type: "apiKey", keys: [] }), /keys must be a non-empty array/);
  assert.throws(() => auth({ type: "other" } as never), /type must be "jwt" or "apiKey"/);
  assert.throws(() => rateLimit({ maxRequests: 0, window: "1m" }), /maxRequests must be an integer/);
  assert.throws(() => rateLimit({ maxRequests: 1, window: "1 minute" }), /window must be a duration/);
  assert.throws(() => rateLimit({ maxRequests: 1, window: "1m", key: "cookie:x" as never }), /key must be "ip"/);
});

test("@bunbase/sdk services outside a deployed function reject with a clear error", async () => {
  await assert.rejects(sdk.db.collection("users").doc("1").get(), {
    code: "FN_004",
    message: /db\.get\(\).*deployed function/,
  });
  await assert.rejects(sdk.queue("jobs").send({ body: {} }), /queue\.send\(\)/);
  assert.ok(SDK_MODULES["@bunbase/sdk"].endsWith("sdk.guest.ts"));
});
