/**
 * Scenario: the value a handler throws is built to hurt whoever describes it: a Proxy
 * whose every trap throws, an error whose `message` getter throws or loops, an object
 * whose `message` cannot be turned into a string, and an `Error.prepareStackTrace` that
 * throws, returns a hostile object, or never returns while the platform formats the
 * error. Each must end as a contract error (FN_004, or FN_002 for the endless one) with
 * its own status, and the node must keep serving.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { assertHostSurvived, deployHandler, expectFailure, timed, usePlatform } from "./harness.ts";

const platform = usePlatform();

const THROWS: Record<string, { code: string[]; source: string }> = {
  "throwing-proxy": {
    code: ["FN_004"],
    source: `throw new Proxy({}, { get() { throw new Error("trap"); }, has() { throw new Error("trap"); },
      getPrototypeOf() { throw new Error("trap"); }, ownKeys() { throw new Error("trap"); } });`,
  },
  "throwing-message-getter": {
    code: ["FN_004"],
    source: `const e = new Error("x"); Object.defineProperty(e, "message", { get() { throw e; } }); throw e;`,
  },
  "unprintable-message": {
    code: ["FN_004"],
    source: `throw { message: { toString() { throw new Error("no string for you"); }, valueOf() { throw 1; } } };`,
  },
  "symbol-thrown": { code: ["FN_004"], source: `throw Symbol("s");` },
  "prepare-stack-trace-throws": {
    code: ["FN_004"],
    source: `(Error as any).prepareStackTrace = () => { throw new Error("formatting failed"); }; throw new Error("boom");`,
  },
  "prepare-stack-trace-hostile-object": {
    code: ["FN_004"],
    source: `(Error as any).prepareStackTrace = () => ({ toString() { throw new Error("no"); } }); throw new Error("boom");`,
  },
  "prepare-stack-trace-spins": {
    code: ["FN_002", "FN_004"],
    source: `(Error as any).prepareStackTrace = () => { for (;;) {} }; throw new Error("boom");`,
  },
};

test("hostile thrown values and stack formatters end as contract errors", async () => {
  const { p, host } = platform();
  const observed: Record<string, string> = {};
  for (const [name, { code, source }] of Object.entries(THROWS)) {
    await deployHandler(
      p,
      name,
      `export function handler(req: Request) {
        if (new URL(req.url).searchParams.has("ok")) return new Response("ok");
        ${source}
      }`,
      { timeout: 1 },
    );
    const { res, ms } = await timed(() => p.edge(`/${name}`));
    const failure = await expectFailure(res, code);
    observed[name] = `${failure.code}: ${failure.message}`;
    assert.ok(ms < 5000, `${name} took ${ms} ms`);
    const again = await p.edge(`/${name}?ok`);
    assert.equal(again.status, 200, `${name} did not serve again: ${await again.text()}`);
  }
  console.log(JSON.stringify(observed, null, 2));
  await assertHostSurvived(p, host);
});
