import assert from "node:assert/strict";
import { test } from "node:test";
import { CorsPolicy } from "./cors.ts";
import { headerRecord, mergeHeaders } from "./header-list.ts";

test("a preflight is OPTIONS with access-control-request-method", () => {
  assert.ok(CorsPolicy.isPreflight("OPTIONS", "PUT"));
  assert.ok(!CorsPolicy.isPreflight("OPTIONS", undefined));
  assert.ok(!CorsPolicy.isPreflight("GET", "PUT"));
});

test("origin * without credentials answers *", () => {
  const cors = new CorsPolicy({ origin: "*", maxAge: 600 });
  const pre = Object.fromEntries(cors.preflight("https://a.example", "content-type, x-custom"));
  assert.equal(pre["access-control-allow-origin"], "*");
  assert.equal(pre["access-control-allow-methods"], "GET, HEAD, PUT, PATCH, POST, DELETE");
  assert.equal(pre["access-control-allow-headers"], "content-type, x-custom");
  assert.equal(pre["access-control-max-age"], "600");
  assert.equal(pre["access-control-allow-credentials"], undefined);
  assert.deepEqual(cors.response("https://a.example"), [["access-control-allow-origin", "*"]]);
  assert.deepEqual(cors.response(undefined), []);
});

test("a list echoes an allowed origin, varies by origin, and refuses others", () => {
  const cors = new CorsPolicy({
    origin: ["https://app.example"],
    methods: ["GET", "POST"],
    headers: ["authorization"],
    credentials: true,
  });
  const pre = Object.fromEntries(cors.preflight("https://app.example", "x-other"));
  assert.equal(pre["access-control-allow-origin"], "https://app.example");
  assert.equal(pre["access-control-allow-credentials"], "true");
  assert.equal(pre["access-control-allow-methods"], "GET, POST");
  assert.equal(pre["access-control-allow-headers"], "authorization");
  assert.equal(pre.vary, "origin");
  assert.deepEqual(cors.preflight("https://evil.example", undefined), [["vary", "origin"]]);
  assert.deepEqual(cors.response("https://evil.example"), [["vary", "origin"]]);
});

test("credentials with origin * echo the origin, never *", () => {
  const cors = new CorsPolicy({ origin: "*", credentials: true });
  const res = Object.fromEntries(cors.response("https://x.example"));
  assert.equal(res["access-control-allow-origin"], "https://x.example");
  assert.equal(res["access-control-allow-credentials"], "true");
  assert.equal(res.vary, "origin");
});

test("edge headers merge into the handler's: cookies append, vary joins, the rest replaces", () => {
  const merged = mergeHeaders(
    [
      ["Set-Cookie", "session=1"],
      ["Vary", "Accept-Encoding"],
      ["access-control-allow-origin", "*"],
      ["content-type", "text/plain"],
    ],
    [
      ["access-control-allow-origin", "https://app.example"],
      ["vary", "origin"],
      ["set-cookie", "bb_ab_x=a"],
    ],
  );
  assert.deepEqual(merged, [
    ["Set-Cookie", "session=1"],
    ["content-type", "text/plain"],
    ["access-control-allow-origin", "https://app.example"],
    ["set-cookie", "bb_ab_x=a"],
    ["vary", "Accept-Encoding, origin"],
  ]);
  assert.deepEqual(
    headerRecord([
      ["vary", "origin"],
      ["set-cookie", "x=1"],
      ["ratelimit-limit", "5"],
    ]),
    {
      vary: "origin",
      "ratelimit-limit": "5",
    },
  );
});
