import { test } from "node:test";
import assert from "node:assert/strict";
import { findConflict, httpClaims, methodsOverlap } from "./route-conflicts.ts";

// A stand-in for bundler's httpRouteKey: parameters compare equal whatever their name.
const key = (path: string) => path.replace(/:[^/]+/g, ":").replace(/\/+$/, "") || "/";

test("methods overlap when they share one or either claims all", () => {
  assert.ok(methodsOverlap(["GET", "POST"], ["POST"]));
  assert.ok(!methodsOverlap(["GET"], ["POST"]));
  assert.ok(methodsOverlap(["*"], ["DELETE"]));
});

test("http claims skip other triggers and keep their index", () => {
  const claims = httpClaims(
    [
      { type: "schedule", cron: "* * * * *" },
      { type: "http", path: "/a", methods: ["get"] },
      { type: "http", path: "/b" },
    ],
    key,
  );
  assert.deepEqual(
    claims.map((c) => [c.index, c.methods]),
    [
      [1, ["GET"]],
      [2, ["*"]],
    ],
  );
});

test("a webhook claims POST on its path: it collides with another webhook or an HTTP POST there", () => {
  const hook = httpClaims([{ type: "webhook", path: "/hooks/:source", scheme: "github", secret: "s" }], key);
  assert.deepEqual(
    hook.map((c) => [c.index, c.methods]),
    [[0, ["POST"]]],
  );
  const owned = (claims: typeof hook) => claims.map((c) => ({ ...c, functionName: "other" }));
  assert.ok(findConflict(hook, owned(httpClaims([{ type: "webhook", path: "/hooks/:name" }], key))));
  assert.ok(findConflict(hook, owned(httpClaims([{ type: "http", path: "/hooks/:x", methods: ["POST"] }], key))));
  assert.equal(
    findConflict(hook, owned(httpClaims([{ type: "http", path: "/hooks/:x", methods: ["GET"] }], key))),
    undefined,
  );
});

test("same route key and overlapping methods conflict; different methods do not", () => {
  const others = httpClaims([{ type: "http", path: "/users/:id", methods: ["GET"] }], key).map((c) => ({
    ...c,
    functionName: "users",
  }));
  const clash = findConflict(
    httpClaims(
      [
        { type: "http", path: "/x" },
        { type: "http", path: "/users/:name", methods: ["GET", "PUT"] },
      ],
      key,
    ),
    others,
  );
  assert.equal(clash?.mine.index, 1);
  assert.equal(clash?.other.functionName, "users");
  assert.equal(
    findConflict(httpClaims([{ type: "http", path: "/users/:name", methods: ["PUT"] }], key), others),
    undefined,
  );
});
