/**
 * Scenario: function A pollutes every shared prototype it can (Object, Array, String,
 * Function, Promise, JSON, and the platform's Response) and a second function B on the
 * same edge process looks for it.
 *
 * Expected, and documented in README.md: like Workers, one warm isolate serves the
 * invocations of one function version, so A's own later invocations still see what A did
 * to its realm. What must never happen: anything A did is visible in B, or breaks B.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { assertHostSurvived, deployHandler, usePlatform } from "./harness.ts";

const platform = usePlatform();

const OBSERVE = `
function observe() {
  return {
    object: (({}) as any).polluted ?? null,
    array: ([] as any).polluted ?? null,
    trim: " x ".trim(),
    call: (Function.prototype.call as any).polluted ?? null,
    then: (Promise.prototype as any).polluted ?? null,
    json: JSON.parse("[1]").length,
    responseText: (Response.prototype as any).polluted ?? null,
  };
}`;

const POLLUTER = `${OBSERVE}
export async function handler() {
  const before = observe();
  (Object.prototype as any).polluted = "A";
  (Array.prototype as any).polluted = "A";
  String.prototype.trim = () => "polluted by A";
  (Function.prototype.call as any).polluted = "A";
  (Promise.prototype as any).polluted = "A";
  const parse = JSON.parse;
  JSON.parse = (text: string) => (text === "[1]" ? [] : parse(text));
  (Response.prototype as any).polluted = "A";
  return new Response(JSON.stringify({ before, after: observe() }));
}`;

const VICTIM = `${OBSERVE}
export async function handler() {
  const text = await new Response("clean body").text();
  return new Response(JSON.stringify({ seen: observe(), text }));
}`;

const CLEAN = { object: null, array: null, trim: "x", call: null, then: null, json: 1, responseText: null };
const POLLUTED = {
  object: "A",
  array: "A",
  trim: "polluted by A",
  call: "A",
  then: "A",
  json: 0,
  responseText: "A",
};

test("prototype pollution stays in the polluting function's own isolate", async () => {
  const { p, host } = platform();
  await deployHandler(p, "polluter", POLLUTER);
  await deployHandler(p, "victim", VICTIM);

  const first = await p.edge("/polluter");
  assert.equal(first.status, 200);
  const firstBody = (await first.json()) as { before: unknown; after: unknown };
  assert.deepEqual(firstBody.before, CLEAN, "A started from a polluted realm");
  assert.deepEqual(firstBody.after, POLLUTED);

  // Between invocations of the same function: the warm isolate keeps its globals (documented).
  const second = await p.edge("/polluter");
  assert.equal(second.status, 200);
  const warm = second.headers.get("x-bunbase-cold-start") === "false";
  const secondBody = (await second.json()) as { before: unknown };
  assert.deepEqual(secondBody.before, warm ? POLLUTED : CLEAN);

  // Between functions: B sees none of it, and its own Response still works.
  for (let i = 0; i < 3; i++) {
    const victim = await p.edge("/victim");
    assert.equal(victim.status, 200);
    assert.deepEqual(await victim.json(), { seen: CLEAN, text: "clean body" });
  }
  await assertHostSurvived(p, host);
});
