import { test } from "node:test";
import assert from "node:assert/strict";
import { envPort, formatChildLine } from "./platform-session.ts";
import { isIgnoredPath } from "./dev-watcher.ts";

test("child log lines: warnings and errors by default, everything when verbose", () => {
  const info = JSON.stringify({ level: 30, msg: "listening" });
  const warn = JSON.stringify({ level: 40, msg: "slow", err: { message: "x" } });
  assert.equal(formatChildLine("origin", info, false), undefined);
  assert.equal(formatChildLine("origin", info, true), "origin info listening");
  assert.equal(formatChildLine("edge", warn, false), "edge warn slow: x");
  assert.equal(formatChildLine("edge", "plain text", false), undefined);
});

test("PORT and EDGE_PORT: a number, the default when unset, an error otherwise", () => {
  assert.equal(envPort("PORT", 8700, {}), 8700);
  assert.equal(envPort("PORT", 8700, { PORT: "0" }), 0);
  assert.throws(() => envPort("PORT", 8700, { PORT: "http" }), /PORT must be a port number/);
});

test("dev ignores saves under node_modules, .bunbase and dotfiles", () => {
  assert.equal(isIgnoredPath("index.ts"), false);
  assert.equal(isIgnoredPath("api/index.ts"), false);
  assert.equal(isIgnoredPath("node_modules/hono/index.js"), true);
  assert.equal(isIgnoredPath(".bunbase/store.db"), true);
  assert.equal(isIgnoredPath("api/.index.ts.swp"), true);
});
