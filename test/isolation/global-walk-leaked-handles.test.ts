/**
 * Scenario: user code walks everything it can reach (globalThis, every own property name
 * and symbol, prototypes, getters, static members, and the request, env and ctx the
 * handler receives) looking for the host's handles: an isolated-vm Reference, Callback or
 * ExternalCopy, anything with their methods (`applySync`, `derefInto`, `copyInto`, `copy`
 * ...), or a bridge global by name. isolated-vm's README: such a handle in untrusted hands
 * is a way out. None may be reachable.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { assertHostSurvived, deployHandler, usePlatform } from "./harness.ts";

const platform = usePlatform();

const WALKER = `
const HANDLE_METHODS = ["applySync", "applyIgnored", "applySyncPromise", "derefInto", "deref", "copyInto", "copy",
  "getSync", "setSync", "release", "transferIn", "transferOut", "runSync", "compileScriptSync", "createContextSync"];
const HANDLE_TYPES = /^(Reference|Callback|ExternalCopy|Isolate|Context|Script|Module|NativeModule)$/;
const INTERNAL_NAME = /bunbase|isolated|ivm|__core-js|^__|^%/i;
// ECMAScript's own names that the patterns above would match.
const STANDARD = new Set(["__defineGetter__", "__defineSetter__", "__lookupGetter__", "__lookupSetter__", "__proto__",
  "globalThis.WeakRef.prototype.deref()", "globalThis.WebAssembly.Module"]);
// Ours on purpose: the frozen capability rateLimit() of @bunbase/functions calls (a plain
// guest object over the runtime's host call; the walk still looks inside it).
const PLATFORM = new Set(["__bunbase_rate_limit", "__bunbase_sdk"]);

export default {
  async fetch(req: Request, env: unknown, ctx: unknown) {
    const roots: [string, unknown][] = [["globalThis", globalThis], ["req", req], ["env", env], ["ctx", ctx],
      ["process", process]];
    const seen = new Set<unknown>();
    const findings: string[] = [];
    const queue: [string, unknown][] = [...roots];
    let visited = 0;
    while (queue.length > 0 && visited < 50_000) {
      const [path, value] = queue.shift()!;
      if (value === null || (typeof value !== "object" && typeof value !== "function") || seen.has(value)) continue;
      seen.add(value);
      visited++;
      const target = value as Record<PropertyKey, unknown>;
      let ctorName = "";
      try { ctorName = String((target as any).constructor?.name ?? ""); } catch {}
      if (HANDLE_TYPES.test(ctorName) && !path.startsWith("globalThis.WebAssembly.")) findings.push(path + " is a " + ctorName);
      for (const method of HANDLE_METHODS) {
        try {
          const found = path + "." + method + "()";
          if (typeof (target as any)[method] === "function" && !STANDARD.has(found)) findings.push(found);
        } catch {}
      }
      let keys: PropertyKey[] = [];
      try { keys = Reflect.ownKeys(target); } catch { continue; }
      for (const key of keys) {
        const name = String(key);
        if (INTERNAL_NAME.test(name) && !STANDARD.has(name) && !PLATFORM.has(name)) findings.push(path + " has internal name " + name);
        let descriptor: PropertyDescriptor | undefined;
        try { descriptor = Reflect.getOwnPropertyDescriptor(target, key); } catch { continue; }
        if (!descriptor) continue;
        const child = path + "." + name;
        if ("value" in descriptor) queue.push([child, descriptor.value]);
        for (const accessor of [descriptor.get, descriptor.set]) if (accessor) queue.push([child + "(accessor)", accessor]);
        if (descriptor.get) {
          try { queue.push([child + "(got)", Reflect.apply(descriptor.get, target, [])]); } catch {}
        }
      }
      try { queue.push([path + ".__proto__", Reflect.getPrototypeOf(target)]); } catch {}
    }
    return Response.json({ visited, findings, globals: Reflect.ownKeys(globalThis).map(String) });
  },
};
`;

test("nothing reachable from user code is a host handle or a bridge", async () => {
  const { p, host } = platform();
  await deployHandler(p, "walker", WALKER, { environment: { PLAIN: "value" } });
  const res = await p.edge("/walker", { method: "POST", body: "some body" });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  const body = JSON.parse(text) as { visited: number; findings: string[]; globals: string[] };
  assert.ok(body.visited > 500, `the walk reached only ${body.visited} objects`);
  assert.deepEqual(body.findings, []);
  for (const name of ["require", "process.binding", "Buffer", "global", "module", "gc"]) {
    assert.ok(!body.globals.includes(name), `global ${name} present`);
  }
  await assertHostSurvived(p, host);
});
