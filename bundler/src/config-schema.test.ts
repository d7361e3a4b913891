import { test } from "node:test";
import assert from "node:assert/strict";
import { httpRouteKey, isEdgeRunnable, parseFunctionConfig } from "../index.ts";

/** Parses and returns the FN_006 error's path and message (fails if parsing succeeds). */
function failure(raw: unknown): { path: string; message: string; issues: unknown[] } {
  try {
    parseFunctionConfig(raw);
  } catch (err) {
    const e = err as { code: string; message: string; details: { path: string; issues: unknown[] } };
    assert.equal(e.code, "FN_006");
    return { path: e.details.path, message: e.message, issues: e.details.issues };
  }
  assert.fail(`expected FN_006 for ${JSON.stringify(raw)}`);
}

test("an empty config gets every default", () => {
  assert.deepEqual(parseFunctionConfig({}), {
    runtime: "nodejs20",
    memory: 128,
    timeout: 30,
    environment: {},
    triggers: [],
    scaling: { minInstances: 0, maxConcurrency: 1000 },
    vpc: { egress: false, allowPrivateNetworks: false, allowedHosts: [] },
    placement: "auto",
  });
});

test("trigger defaults: http methods GET, schedule UTC, retries 3, all events", () => {
  const config = parseFunctionConfig({
    triggers: [
      { type: "http", path: "/users/:id" },
      { type: "schedule", cron: "0 * * * *" },
      { type: "database", collection: "users" },
      { type: "queue", queue: "jobs" },
      { type: "http", path: "/all", methods: ["get", "*"] },
    ],
  });
  assert.deepEqual(config.triggers[0], { type: "http", path: "/users/:id", methods: ["GET"] });
  assert.deepEqual(config.triggers[1], { type: "schedule", cron: "0 * * * *", timezone: "UTC", maxRetries: 3 });
  assert.deepEqual(config.triggers[2], {
    type: "database",
    collection: "users",
    events: ["create", "update", "delete"],
    maxRetries: 3,
  });
  assert.deepEqual(config.triggers[3], { type: "queue", queue: "jobs", batchSize: 1, maxRetries: 3 });
  assert.deepEqual(config.triggers[4], { type: "http", path: "/all", methods: ["*"] });
});

test("range bounds of memory, timeout and maxConcurrency", () => {
  for (const memory of [128, 4096]) assert.equal(parseFunctionConfig({ memory }).memory, memory);
  for (const memory of [127, 4097, 256.5, "256"]) assert.equal(failure({ memory }).path, "memory");
  for (const timeout of [1, 900]) assert.equal(parseFunctionConfig({ timeout }).timeout, timeout);
  for (const timeout of [0, 901]) assert.equal(failure({ timeout }).path, "timeout");
  assert.equal(failure({ scaling: { maxConcurrency: 0 } }).path, "scaling.maxConcurrency");
  assert.equal(failure({ scaling: { minInstances: -1 } }).path, "scaling.minInstances");
  assert.equal(failure({ scaling: { minInstances: 5, maxInstances: 2 } }).path, "scaling.minInstances");
});

test("name, runtime and handler formats", () => {
  assert.equal(parseFunctionConfig({ name: "a" + "b".repeat(62) }).name?.length, 63);
  for (const name of ["A", "1a", "a_b", "a" + "b".repeat(63)]) assert.equal(failure({ name }).path, "name");
  assert.equal(failure({ runtime: "nodejs16" }).path, "runtime");
  assert.equal(parseFunctionConfig({ handler: "src/api.default" }).handler, "src/api.default");
  assert.equal(failure({ handler: "index" }).path, "handler");
  assert.equal(parseFunctionConfig({ runtime: "go1.x", handler: "Handler" }).handler, "Handler");
  assert.equal(failure({ runtime: "python3.12", placement: "edge" }).path, "placement");
});

test("unknown keys are reported at their own nested path", () => {
  assert.equal(failure({ foo: 1 }).path, "foo");
  assert.equal(failure({ edge: { rateLimit: { maxRequests: 1, window: "1m", foo: 1 } } }).path, "edge.rateLimit.foo");
  assert.equal(
    failure({
      triggers: [
        { type: "http", path: "/" },
        { type: "schedule", cron: "* * * * *", crom: "x" },
      ],
    }).path,
    "triggers[1].crom",
  );
  assert.equal(failure({ vpc: { egres: true } }).path, "vpc.egres");
  assert.equal(failure({ triggers: [{ type: "smtp" }] }).path, "triggers[0].type");
});

test("cron: 5 or 6 fields only, and valid values", () => {
  for (const cron of ["*/5 * * * *", "0 0 12 * * MON-FRI", "30 9 1 1 *"]) {
    assert.doesNotThrow(() => parseFunctionConfig({ triggers: [{ type: "schedule", cron }] }));
  }
  const bad = (cron: string) =>
    failure({
      triggers: [
        { type: "http", path: "/" },
        { type: "schedule", cron },
      ],
    });
  assert.equal(bad("* * * *").path, "triggers[1].cron");
  assert.match(bad("* * * *").message, /got 4/);
  assert.match(bad("* * * * * * *").message, /got 7/);
  assert.equal(bad("61 * * * *").path, "triggers[1].cron");
  assert.equal(bad("* 25 * * *").path, "triggers[1].cron");
  assert.equal(bad("@daily").path, "triggers[1].cron");
});

test("timezone must be a real IANA zone", () => {
  const ok = parseFunctionConfig({ triggers: [{ type: "schedule", cron: "0 9 * * *", timezone: "Europe/London" }] });
  assert.equal((ok.triggers[0] as { timezone: string }).timezone, "Europe/London");
  const bad = failure({ triggers: [{ type: "schedule", cron: "0 9 * * *", timezone: "Mars/Olympus" }] });
  assert.equal(bad.path, "triggers[0].timezone");
});

test("http paths and methods", () => {
  for (const path of ["/", "/users/:id", "/files/*", "/a/b/", "/v1/items/:id/tags/:tag"]) {
    assert.doesNotThrow(() => parseFunctionConfig({ triggers: [{ type: "http", path }] }), path);
  }
  for (const path of ["users", "/a//b", "/*/x", "/:1bad", "/a/:id/:id", "/a b"]) {
    assert.equal(failure({ triggers: [{ type: "http", path }] }).path, "triggers[0].path", path);
  }
  assert.equal(
    failure({ triggers: [{ type: "http", path: "/", methods: ["GET", "FETCH"] }] }).path,
    "triggers[0].methods[1]",
  );
  assert.equal(failure({ triggers: [{ type: "http", path: "/", methods: [] }] }).path, "triggers[0].methods");
});

test("edge block: CIDRs, rate limit window and key, auth, redirects, A/B weights", () => {
  const edge = parseFunctionConfig({
    edge: {
      cors: { origin: ["https://app.example.com"], credentials: true, maxAge: 600 },
      ipAllow: ["203.0.113.0/24", "2001:db8::/32", "10.0.0.1"],
      rateLimit: { maxRequests: 100, window: "1m" },
      auth: { type: "apiKey", keys: ["${secrets.KEY}"] },
      abTests: [
        {
          name: "checkout",
          variants: [
            { name: "a", weight: 50 },
            { name: "b", weight: 50, version: 4 },
          ],
        },
      ],
      redirects: [{ source: "/blog/:slug", destination: "/posts/:slug" }],
    },
  }).edge!;
  assert.equal(edge.rateLimit?.key, "ip");
  assert.equal(edge.redirects?.[0].status, 308);
  assert.deepEqual(edge.auth, { type: "apiKey", header: "x-api-key", keys: ["${secrets.KEY}"] });

  assert.equal(failure({ edge: { ipAllow: ["10.0.0.0/33"] } }).path, "edge.ipAllow[0]");
  assert.equal(failure({ edge: { ipDeny: ["ok", "2001:db8::/129"] } }).path, "edge.ipDeny[0]");
  assert.equal(failure({ edge: { rateLimit: { maxRequests: 1, window: "1 minute" } } }).path, "edge.rateLimit.window");
  assert.equal(
    failure({ edge: { rateLimit: { maxRequests: 1, window: "1m", key: "cookie" } } }).path,
    "edge.rateLimit.key",
  );
  assert.equal(failure({ edge: { auth: { type: "jwt" } } }).path, "edge.auth");
  assert.equal(
    failure({ edge: { redirects: [{ source: "/a", destination: "/b", status: 200 }] } }).path,
    "edge.redirects[0].status",
  );
  const zero = {
    name: "t",
    variants: [
      { name: "a", weight: 0 },
      { name: "b", weight: 0 },
    ],
  };
  assert.equal(failure({ edge: { abTests: [zero] } }).path, "edge.abTests[0].variants");
  assert.equal(failure({ edge: { geo: [{ countries: ["gb"], block: true }] } }).path, "edge.geo[0].countries[0]");
  assert.equal(failure({ edge: { cors: { origin: "https://a.com" } } }).path, "edge.cors.origin");
});

test("every issue is listed, the first names the path", () => {
  const { path, issues } = failure({ memory: 1, timeout: 0, edge: { bogus: true } });
  assert.equal(path, "memory");
  assert.equal(issues.length, 3);
});

test("environment names and secret references", () => {
  const env = parseFunctionConfig({
    environment: { API_URL: "https://x", TOKEN: "Bearer ${secrets.TOKEN}" },
  }).environment;
  assert.equal(env.TOKEN, "Bearer ${secrets.TOKEN}");
  assert.equal(failure({ environment: { TOKEN: "${secrets.}" } }).path, "environment.TOKEN");
  assert.equal(failure({ environment: { "BAD-NAME": "x" } }).path, "environment.BAD-NAME");
});

test("isEdgeRunnable and httpRouteKey", () => {
  assert.equal(isEdgeRunnable(parseFunctionConfig({})), true);
  assert.equal(isEdgeRunnable(parseFunctionConfig({ placement: "origin" })), false);
  assert.equal(isEdgeRunnable(parseFunctionConfig({ runtime: "python3.12" })), false);
  assert.equal(httpRouteKey("/users/:id"), httpRouteKey("/users/:uid"));
  assert.equal(httpRouteKey("/users/:id/"), "/users/:");
  assert.notEqual(httpRouteKey("/users/me"), httpRouteKey("/users/:id"));
  assert.equal(httpRouteKey("/files/*"), "/files/*");
});

test("a parsed config parses again to itself (stored configs are re-validated)", () => {
  const full = parseFunctionConfig({
    name: "full",
    handler: "index.handler",
    environment: { A: "1" },
    triggers: [
      { type: "http", path: "/x/:id", methods: ["post"] },
      { type: "schedule", cron: "0 0 * * *" },
      { type: "storage", bucket: "b" },
      { type: "auth" },
      { type: "event", event: "order.created" },
      { type: "webhook", path: "/hooks/gh", scheme: "github", secret: "${secrets.GH}" },
    ],
    scaling: { maxInstances: 4, targetConcurrency: 10 },
    vpc: { allowedHosts: ["*.example.com:443"] },
    edge: {
      auth: { type: "jwt", secret: "${secrets.JWT}", audience: ["a"] },
      rewrites: [{ source: "/old/:path*", destination: "/new/:path*" }],
      geo: [{ continents: ["EU"], region: "eu-west" }],
    },
  });
  assert.deepEqual(parseFunctionConfig(JSON.parse(JSON.stringify(full))), full);
});
