import { test } from "node:test";
import assert from "node:assert/strict";
import { RouteTable } from "./route-table.ts";
import type { EdgeFunction } from "../../../core/index.ts";

function fn(name: string, ...triggers: { path: string; methods?: string[] }[]): EdgeFunction {
  return {
    id: `fn_${name}`,
    name,
    versions: {},
    config: { triggers: triggers.map((t) => ({ type: "http", ...t })) } as unknown as EdgeFunction["config"],
  };
}

function served(table: RouteTable, method: string, path: string): string | undefined {
  const m = table.match(method, path);
  return "fn" in m ? m.fn.name : undefined;
}

test("static segments beat params, params beat wildcards, regardless of order", () => {
  const table = new RouteTable([
    fn("files", { path: "/users/*" }),
    fn("user", { path: "/users/:id" }),
    fn("me", { path: "/users/me" }),
  ]);
  assert.equal(served(table, "GET", "/users/me"), "me");
  assert.equal(served(table, "GET", "/users/42"), "user");
  assert.equal(served(table, "GET", "/users/42/posts"), "files");
});

test("params and wildcard values are decoded", () => {
  const table = new RouteTable([fn("a", { path: "/users/:id" }), fn("b", { path: "/files/*" })]);
  const m = table.match("GET", "/users/j%C3%B6rg");
  assert.ok("fn" in m);
  assert.deepEqual(m.params, { id: "jörg" });
  const w = table.match("GET", "/files/a/b%20c.txt");
  assert.ok("fn" in w);
  assert.deepEqual(w.params, { "*": "a/b c.txt" });
});

test("methods are honoured; HEAD rides on GET; a path with other methods reports mismatch", () => {
  const table = new RouteTable([fn("a", { path: "/x", methods: ["POST"] }), fn("b", { path: "/y", methods: ["GET"] })]);
  assert.equal(served(table, "POST", "/x"), "a");
  assert.deepEqual(table.match("GET", "/x"), { methodMismatch: true });
  assert.equal(served(table, "HEAD", "/y"), "b");
  assert.deepEqual(table.match("GET", "/nope"), { methodMismatch: false });
});

test("default method is GET and '*' allows any", () => {
  const table = new RouteTable([fn("a", { path: "/a" }), fn("b", { path: "/b", methods: ["*"] })]);
  assert.equal(served(table, "GET", "/a"), "a");
  assert.equal(served(table, "DELETE", "/a"), undefined);
  assert.equal(served(table, "DELETE", "/b"), "b");
});

test("trailing slashes and the root path", () => {
  const table = new RouteTable([fn("root", { path: "/" }), fn("a", { path: "/a" })]);
  assert.equal(served(table, "GET", "/"), "root");
  assert.equal(served(table, "GET", "/a/"), "a");
  assert.equal(served(table, "GET", "/b"), undefined);
});
