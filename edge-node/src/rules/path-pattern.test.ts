import assert from "node:assert/strict";
import { test } from "node:test";
import { compilePattern, fillDestination, withQuery } from "./path-pattern.ts";
import { PathRules } from "./path-rules.ts";

test("a :param matches one segment, :path* the rest (also nothing)", () => {
  assert.deepEqual(compilePattern("/blog/:slug").match("/blog/hello"), { slug: "hello" });
  assert.equal(compilePattern("/blog/:slug").match("/blog/a/b"), undefined);
  assert.equal(compilePattern("/blog/:slug").match("/blog"), undefined);
  assert.deepEqual(compilePattern("/old/:path*").match("/old/a/b/c"), { path: "a/b/c" });
  assert.deepEqual(compilePattern("/old/:path*").match("/old"), { path: "" });
  assert.equal(compilePattern("/old/:path*").match("/older/x"), undefined);
  assert.deepEqual(compilePattern("/exact").match("/exact/"), {});
});

test("percent-encoding survives the trip from source to destination", () => {
  const params = compilePattern("/files/:name").match("/files/a%2Fb%20c")!;
  assert.equal(fillDestination("/docs/:name", params), "/docs/a%2Fb%20c");
});

test("destinations are filled, absolute URLs kept, empty rests collapse", () => {
  assert.equal(fillDestination("/posts/:slug", { slug: "x" }), "/posts/x");
  assert.equal(fillDestination("/new/:path*", { path: "" }), "/new/");
  assert.equal(fillDestination("/:path*", { path: "" }), "/");
  assert.equal(fillDestination("https://example.com/p/:id?ref=edge", { id: "7" }), "https://example.com/p/7?ref=edge");
});

test("the request's query string is kept", () => {
  assert.equal(withQuery("/a", "?x=1"), "/a?x=1");
  assert.equal(withQuery("/a?y=2", "?x=1"), "/a?y=2&x=1");
  assert.equal(withQuery("/a", ""), "/a");
});

test("first matching rewrite and redirect win", () => {
  const rules = new PathRules(
    [
      { source: "/old/:path*", destination: "/new/:path*" },
      { source: "/old/x", destination: "/never" },
    ],
    [{ source: "/blog/:slug", destination: "/posts/:slug", status: 301 }],
  );
  assert.equal(rules.rewrite("/old/x", "?q=1"), "/new/x?q=1");
  assert.equal(rules.rewrite("/other", ""), undefined);
  assert.deepEqual(rules.redirect("/blog/hi", "?a=b"), { status: 301, location: "/posts/hi?a=b" });
  assert.equal(rules.redirect("/blog", ""), undefined);
});
