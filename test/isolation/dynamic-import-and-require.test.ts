/**
 * Scenario: user code loads Node built-ins at run time, with specifiers built dynamically
 * so the bundler cannot see (and reject) them: `import()` of `node:fs`, `fs`,
 * `child_process`, a file: URL, a data: URL, through `eval` and the Function constructor,
 * and every spelling of `require`. Each attempt must fail inside the isolate; nothing may
 * come back that reads a file or spawns a process. A static import of a built-in never runs
 * in an isolate: refused at deploy with placement "edge", sent to an origin container with
 * "auto".
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { errorOf } from "../helpers/functions.ts";
import { assertHostSurvived, deployHandler, usePlatform } from "./harness.ts";

const platform = usePlatform();

const LOADER = `
const join = (...parts: string[]) => parts.join("");

export async function handler() {
  const fs = join("node", ":", "fs");
  const cp = join("child", "_", "process");
  const attempts: Record<string, () => Promise<unknown>> = {
    "import(node:fs)": () => import(fs),
    "import(fs)": () => import(join("f", "s")),
    "import(child_process)": () => import(cp),
    "import(node:child_process)": () => import("node:" + cp),
    "import(file:///etc/passwd)": () => import(join("file:", "///etc/passwd")),
    "import(data:)": () => import(join("data:text/javascript,", "export default globalThis.process")),
    "eval import": async () => (0, eval)("import('" + fs + "')"),
    "Function import": async () => Function("return import('" + cp + "')")(),
    "require": async () => (globalThis as any)["req" + "uire"](cp),
    "Function require": async () => Function("return require('" + cp + "')")(),
    "module.require": async () => Function("return module.require('" + fs + "')")(),
    "process.mainModule": async () => (process as any)["main" + "Module"].require(cp),
    "process.binding": async () => (process as any)["bind" + "ing"]("spawn_sync"),
    "import.meta": async () => Object.keys((import.meta as any) ?? {}),
  };
  const outcome: Record<string, string> = {};
  for (const [name, attempt] of Object.entries(attempts)) {
    try {
      const value: any = await attempt();
      const usable = typeof value?.readFileSync === "function" || typeof value?.spawnSync === "function" ||
        typeof value?.default?.readFileSync === "function" || typeof value?.default?.versions === "object";
      outcome[name] = usable ? "LOADED HOST MODULE" : "no host access: " + JSON.stringify(value ?? null);
    } catch (error) {
      outcome[name] = "failed: " + String((error as any)?.name);
    }
  }
  return Response.json(outcome);
}
`;

test("import() and require of Node built-ins fail at run time without host access", async () => {
  const { p, host } = platform();
  await deployHandler(p, "loader", LOADER);
  const res = await p.edge("/loader");
  const text = await res.text();
  assert.equal(res.status, 200, text);
  const outcome = JSON.parse(text) as Record<string, string>;
  for (const [name, result] of Object.entries(outcome)) {
    assert.doesNotMatch(result, /LOADED HOST MODULE/, `${name}: ${result}`);
    // Only import.meta may succeed, and only as a harmless (empty or url-only) object.
    if (name === "import.meta") assert.match(result, /^(no host access: \[("url")?\]|failed: )/, `${name}: ${result}`);
    else assert.match(result, /^failed: /, `${name} did not fail: ${result}`);
  }

  // A static import of a built-in never runs in an isolate: placement "edge" refuses it at
  // deploy (FN_005); "auto" runs it with Node in an origin container (user nobody), not here.
  const files = {
    "index.ts": `import { execSync } from "node:child_process";
export const handler = () => new Response(String(execSync("id")));`,
  };
  for (const placement of ["edge", "auto"]) {
    const name = `static-import-${placement}`;
    const created = await p.api("/functions", {
      method: "POST",
      json: { name, placement, triggers: [{ type: "http", path: `/${name}` }] },
    });
    assert.equal(created.status, 201);
    const built = await p.api(`/functions/${name}/deploy`, { method: "POST", json: { files } });
    if (placement === "edge") {
      assert.equal(built.status, 422);
      assert.equal((await errorOf(built)).code, "FN_005");
      continue;
    }
    assert.equal(built.status, 201, await built.clone().text());
    await p.synced();
    const run = await p.edge(`/${name}`);
    const output = await run.text();
    assert.equal(run.status, 200, output);
    assert.match(output, /^uid=65534/, "ran as nobody inside an origin container");
  }
  await assertHostSurvived(p, host);
});
