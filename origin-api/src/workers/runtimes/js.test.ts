import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Runtime } from "../../../../bundler/index.ts";
import { rejection } from "../../../../bundler/src/test-dirs.ts";
import { runtimeStatus } from "./runtime-status.ts";
import { buildSample, postEvent, startSample, waitForLine, type RunningSample } from "./test-support.ts";

const INDEX_TS = `import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { shout } from "./lib/shout.ts";

const runtime = typeof Bun !== "undefined" ? "bun" : typeof Deno !== "undefined" ? "deno" : "node";

export async function handler(req: Request, ctx: { waitUntil(p: Promise<unknown>): void }): Promise<Response> {
  const url = new URL(req.url);
  console.log("serving", url.pathname);
  if (url.pathname === "/throw") throw new Error("kaput");
  if (url.pathname === "/stream") {
    const chunks = ["a", "b", "c"];
    const body = new ReadableStream({
      async pull(controller) {
        const next = chunks.shift();
        if (next === undefined) return controller.close();
        await new Promise((resolve) => setTimeout(resolve, 5));
        controller.enqueue(new TextEncoder().encode(next));
      },
    });
    return new Response(body, { headers: { "content-type": "text/plain" } });
  }
  if (url.pathname === "/wait") ctx.waitUntil(new Promise((r) => setTimeout(r, 20)).then(() => console.warn("waited")));
  const viaUrl = await readFile(new URL("./data.txt", import.meta.url), "utf8");
  const viaCwd = readFileSync("data.txt", "utf8");
  const body = req.method === "POST" ? shout(await req.text()) : null;
  return new Response(JSON.stringify({ runtime, viaUrl, viaCwd, body }), {
    headers: { "content-type": "application/json", "set-cookie": "a=1" },
  });
}

export async function onUserCreate(event: { data: { name: string } }) {
  return { greeted: event.data.name };
}
`;

const FILES = {
  "index.ts": INDEX_TS,
  "lib/shout.ts": `export const shout = (s: string): string => s.toUpperCase();\n`,
  "data.txt": "shipped",
};

const CONFIG = { placement: "origin" as const, triggers: [{ type: "auth" as const, handler: "onUserCreate" }] };

function skipUnless(runtime: Runtime): string | false {
  const status = runtimeStatus(runtime);
  return status.available ? false : `${runtime} unavailable: ${status.reason}`;
}

for (const runtime of ["nodejs22", "nodejs18", "bun", "deno"] as const) {
  const skip = skipUnless(runtime);
  describe(runtime, { skip }, () => {
    let sample: RunningSample;
    let buildMs = 0;
    before(async () => {
      const built = await buildSample(runtime, FILES, CONFIG);
      buildMs = built.buildMs;
      sample = await startSample(runtime, built.outDir);
    });

    test("reads a file it shipped, by import.meta.url and by cwd; logs with the invocation id", async (t) => {
      const started = performance.now();
      const res = await fetch(`${sample.url}/read`, {
        method: "POST",
        headers: { "x-bunbase-invocation-id": `inv-${runtime}` },
        body: "hi",
      });
      const firstMs = Math.round(performance.now() - started);
      t.diagnostic(`${runtime}: build ${buildMs} ms, start ${sample.startMs} ms, first response ${firstMs} ms`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("set-cookie"), "a=1");
      const expected = runtime === "bun" || runtime === "deno" ? runtime : "node";
      assert.deepEqual(await res.json(), { runtime: expected, viaUrl: "shipped", viaCwd: "shipped", body: "HI" });
      const line = await waitForLine(sample, (r) => r.invocationId === `inv-${runtime}`);
      assert.deepEqual(line, { level: "info", message: "serving /read", invocationId: `inv-${runtime}` });
    });

    test("an event handler export answers {result}", async () => {
      const res = await postEvent(sample.url, { type: "auth.user.create", data: { name: "ada" } }, "onUserCreate");
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { result: { greeted: "ada" } });
    });

    test("a thrown error is a 500 with the runtime-error header and the source stack", async () => {
      const res = await fetch(`${sample.url}/throw`);
      assert.equal(res.status, 500);
      assert.equal(res.headers.get("x-bunbase-runtime-error"), "1");
      const { error } = (await res.json()) as { error: { message: string; stack: string } };
      assert.equal(error.message, "Error: kaput");
      if (runtime.startsWith("nodejs")) assert.match(error.stack, /index\.ts:10/);
    });

    test("a streamed body arrives whole; waitUntil work runs after the response", async () => {
      const res = await fetch(`${sample.url}/stream`);
      assert.equal(await res.text(), "abc");
      await fetch(`${sample.url}/wait`, { headers: { "x-bunbase-invocation-id": `wait-${runtime}` } });
      const line = await waitForLine(sample, (r) => r.message === "waited");
      assert.deepEqual(line, { level: "warn", message: "waited", invocationId: `wait-${runtime}` });
    });
  });
}

describe("handler shapes (nodejs20)", { skip: skipUnless("nodejs20") }, () => {
  const ORIGIN = { placement: "origin" as const };
  test("export default { fetch(req, env, ctx) } gets the variables as env", async () => {
    const files = {
      "index.js": `export default { async fetch(req, env, ctx) { ctx.waitUntil(Promise.resolve()); return new Response(env.BUNBASE_RUNTIME); } };`,
    };
    const sample = await startSample("nodejs20", (await buildSample("nodejs20", files, ORIGIN)).outDir);
    assert.equal(await (await fetch(sample.url)).text(), "nodejs20");
  });

  test("export default app (app.fetch), with @bunbase/functions middleware bundled", async () => {
    const files = {
      "index.ts": `import { middleware, cors } from "@bunbase/functions";
const handle = middleware([cors({ origin: "*" }), async (req: Request) => new Response("app " + req.method)]);
const app = { fetch: (req: Request, env: unknown, ctx: unknown) => handle(req, ctx as never) };
export default app;
`,
    };
    const sample = await startSample("nodejs20", (await buildSample("nodejs20", files, ORIGIN)).outDir);
    const res = await fetch(sample.url, { method: "PUT", headers: { origin: "https://x.example" } });
    assert.equal(await res.text(), "app PUT");
    assert.equal(res.headers.get("access-control-allow-origin"), "*");
  });

  test("a type error in the entry fails the build with FN_005 and a diagnostic", async () => {
    const err = await rejection(() => buildSample("nodejs20", { "index.ts": `export const handler = (;` }, ORIGIN));
    assert.equal(err.code, "FN_005");
    const [first] = err.details.diagnostics as { file: string; line: number }[];
    assert.deepEqual([first.file, first.line], ["index.ts", 1]);
  });
});
