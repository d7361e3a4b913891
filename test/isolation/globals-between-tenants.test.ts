/**
 * Scenario: two tenants on one edge process. A stores a secret on globalThis, in the
 * symbol registry and on a platform object, and has its own environment variables; B
 * looks for all of it, including through `process.env` and the Function constructor. B
 * must see only its own environment and none of A's state.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { assertHostSurvived, deployHandler, usePlatform } from "./harness.ts";

const platform = usePlatform();

const STASHER = `
export async function handler() {
  (globalThis as any).secret = process.env.A_SECRET;
  (globalThis as any)[Symbol.for("shared")] = process.env.A_SECRET;
  // Platform objects may be frozen; stashing on them is best effort.
  try { (crypto as any).stash = process.env.A_SECRET; } catch {}
  try { (console as any).stash = process.env.A_SECRET; } catch {}
  return new Response(JSON.stringify({ env: Object.keys(process.env), secret: (globalThis as any).secret }));
}`;

const SNOOPER = `
export async function handler(req: Request, ctx: any) {
  const viaFunction = Function("return process")().env;
  return new Response(JSON.stringify({
    secret: (globalThis as any).secret ?? null,
    symbol: (globalThis as any)[Symbol.for("shared")] ?? null,
    crypto: (crypto as any).stash ?? null,
    console: (console as any).stash ?? null,
    env: Object.keys(process.env),
    envValue: process.env.A_SECRET ?? null,
    ctxEnv: Object.keys(ctx?.env ?? {}),
    viaFunction: Object.keys(viaFunction),
    dump: JSON.stringify(process.env),
  }));
}`;

test("globals and environment of one tenant are invisible to another", async () => {
  const { p, host } = platform();
  await deployHandler(p, "stasher", STASHER, { environment: { A_SECRET: "tenant-a-s3cret" } });
  await deployHandler(p, "snooper", SNOOPER, { environment: { B_ONLY: "b" } });

  const a = await p.edge("/stasher");
  assert.equal(a.status, 200);
  assert.deepEqual(await a.json(), { env: ["A_SECRET"], secret: "tenant-a-s3cret" });

  const b = await p.edge("/snooper");
  const text = await b.text();
  assert.equal(b.status, 200, text);
  assert.doesNotMatch(text, /tenant-a-s3cret|A_SECRET/);
  assert.deepEqual(JSON.parse(text), {
    secret: null,
    symbol: null,
    crypto: null,
    console: null,
    env: ["B_ONLY"],
    envValue: null,
    ctxEnv: ["B_ONLY"],
    viaFunction: ["B_ONLY"],
    dump: '{"B_ONLY":"b"}',
  });
  await assertHostSurvived(p, host);
});
