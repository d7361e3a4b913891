/**
 * Scenario: user code climbs constructor chains (`this.constructor.constructor`, the
 * Function/AsyncFunction/GeneratorFunction constructors reached from the guest's own
 * objects, from platform functions and from errors raised by the host bridge) and abuses
 * `Error.prepareStackTrace` call sites to reach the host's `process`, `require` or global.
 * Every route must end at the guest's own realm: a global without Node's names and a
 * `process` that is only `{ env }`.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { deployFiles } from "../helpers/functions.ts";
import { HOST_MARKS_MODULE, assertHostSurvived, usePlatform } from "./harness.ts";

const platform = usePlatform();

const PROBE = `
import { hostMarks } from "./host-marks.ts";

type Probe = () => unknown;

export async function handler(this: any, req: Request) {
  const self = this;
  const results: Record<string, string[] | string> = {};
  const fromError = (make: () => unknown): any => {
    try { make(); } catch (error) { return error; }
    return {};
  };
  const probes: Record<string, Probe> = {
    "this.constructor.constructor": () => self.constructor.constructor("return process")(),
    "({}).constructor.constructor this": () => ({}).constructor.constructor("return this")(),
    "({}).constructor.constructor process": () => ({}).constructor.constructor("return process")(),
    "Function this": () => Function("return this")(),
    "Function globalThis.process": () => Function("return globalThis.process")(),
    "AsyncFunction": () => (async () => {}).constructor("return this")(),
    "GeneratorFunction": () => (function* () {}).constructor("return this")().next().value,
    "handler.constructor.constructor": () => handler.constructor.constructor("return this")(),
    "req.constructor.constructor": () => (req as any).constructor.constructor("return this")(),
    "req.headers.get.constructor": () => req.headers.get.constructor("return this")(),
    "console.log.constructor": () => console.log.constructor("return this")(),
    "setTimeout.constructor": () => setTimeout.constructor("return this")(),
    "crypto.getRandomValues.constructor": () => crypto.getRandomValues.constructor("return this")(),
    "bridge error (getRandomValues quota)": () =>
      fromError(() => crypto.getRandomValues(new Uint8Array(1 << 20))).constructor.constructor("return this")(),
    "bridge error (console of a revoked proxy)": () => {
      const { proxy, revoke } = Proxy.revocable({}, {});
      revoke();
      return fromError(() => console.log(proxy)).constructor.constructor("return this")();
    },
    "process": () => process,
    "globalThis": () => globalThis,
  };
  for (const [name, probe] of Object.entries(probes)) {
    try {
      results[name] = hostMarks(await probe());
    } catch (error) {
      results[name] = "threw " + String((error as any)?.name);
    }
  }

  // Call sites: every frame's receiver and function, the way V8 embedder escapes use them.
  const original = (Error as any).prepareStackTrace;
  const frames: { file: string; receiver: string[] | string; fn: string[] | string; fnType: string; thisType: string }[] = [];
  try {
    (Error as any).prepareStackTrace = (_error: Error, sites: any[]) => sites;
    const sites = new Error("probe").stack as unknown as any[];
    for (const site of sites) {
      let receiver: any, fn: any;
      try { receiver = site.getThis(); } catch { receiver = undefined; }
      try { fn = site.getFunction(); } catch { fn = undefined; }
      const climb = (value: any) => {
        try {
          return value == null ? [] : hostMarks(value.constructor.constructor("return this")());
        } catch (error) {
          return "threw " + String((error as any)?.name);
        }
      };
      frames.push({
        file: String(site.getFileName()),
        receiver: hostMarks(receiver).concat(climb(receiver) as string[]),
        fn: climb(fn),
        fnType: typeof fn,
        thisType: typeof receiver,
      });
    }
  } finally {
    (Error as any).prepareStackTrace = original;
  }
  return Response.json({ results, frames, processKeys: Object.keys(process), stack: new Error("where").stack });
}
`;

test("constructor chains and call sites never reach the host realm", async () => {
  const { p, host } = platform();
  await deployFiles(
    p,
    { name: "climber", triggers: [{ type: "http", path: "/climber" }], environment: { ONLY: "mine" } },
    { "index.ts": PROBE, "host-marks.ts": HOST_MARKS_MODULE },
  );
  const res = await p.edge("/climber");
  const text = await res.text();
  assert.equal(res.status, 200, text);
  const body = JSON.parse(text) as {
    results: Record<string, string[] | string>;
    frames: { file: string; receiver: string[] | string; fn: string[] | string; fnType: string; thisType: string }[];
    processKeys: string[];
    stack: string;
  };
  for (const [name, marks] of Object.entries(body.results)) {
    if (typeof marks === "string") assert.match(marks, /^threw /, name);
    else assert.deepEqual(marks, [], `${name} reached host objects: ${marks.join(", ")}`);
  }
  // The probes that must succeed did succeed, and landed on the guest's own objects.
  assert.deepEqual(body.results["Function this"], []);
  assert.deepEqual(body.results["({}).constructor.constructor process"], []);
  assert.deepEqual(body.processKeys, ["env"]);

  assert.ok(body.frames.length > 0, "prepareStackTrace saw no call sites");
  for (const frame of body.frames) {
    if (Array.isArray(frame.receiver)) assert.deepEqual(frame.receiver, [], `receiver of ${frame.file}`);
    if (Array.isArray(frame.fn)) assert.deepEqual(frame.fn, [], `function of ${frame.file}`);
    // Frames of the platform's own runtime must not hand their functions or receivers to user code.
    if (!frame.file.includes("climber")) {
      assert.equal(frame.fnType, "undefined", `getFunction() exposed a runtime function (${frame.file})`);
      assert.equal(frame.thisType, "undefined", `getThis() exposed a runtime receiver (${frame.file})`);
    }
  }
  // Stacks name the user's bundle and the runtime, never a host file.
  assert.doesNotMatch(body.stack, /node_modules|\/work\/|node:internal|isolated-vm/);
  await assertHostSurvived(p, host);
});
