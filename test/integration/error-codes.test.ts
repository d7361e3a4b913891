/**
 * One test per error code the skeleton can raise and per limit, through the real
 * processes: FN_001..FN_006, FN_009, the 10 MB body limit, the memory cap, the timeout.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startPlatform, type TestPlatform } from "../helpers/platform.ts";
import { deployFiles, errorOf, eventually } from "../helpers/functions.ts";

let p: TestPlatform;
before(async () => {
  p = await startPlatform();
});
after(async () => {
  await p?.stop();
});

const http = (path: string) => [{ type: "http", path, methods: ["GET", "POST"] }];

describe("error codes through the edge and the API", () => {
  test("FN_001: unknown function on the API, unknown route on the edge", async () => {
    const api = await p.api("/functions/does-not-exist");
    assert.equal(api.status, 404);
    assert.equal((await errorOf(api)).code, "FN_001");
    const edge = await p.edge("/nothing-here");
    assert.equal(edge.status, 404);
    assert.equal((await errorOf(edge)).code, "FN_001");
  });

  test("FN_002: a handler stuck in a loop or on a promise that never settles gets 504, others keep serving", async () => {
    await deployFiles(
      p,
      { name: "loops", timeout: 1, triggers: http("/loop") },
      {
        "index.ts": `export async function handler(req: Request) {
        if (new URL(req.url).searchParams.has("hang")) await new Promise(() => {});
        for (;;) {}
      }`,
      },
    );
    await deployFiles(
      p,
      { name: "fine", triggers: http("/fine") },
      { "index.ts": `export function handler() { return new Response("fine"); }` },
    );
    const started = Date.now();
    const loop = await p.edge("/loop");
    assert.equal(loop.status, 504);
    assert.equal((await errorOf(loop)).code, "FN_002");
    const hang = await p.edge("/loop?hang=1");
    assert.equal(hang.status, 504);
    assert.equal((await errorOf(hang)).code, "FN_002");
    assert.ok(Date.now() - started < 8000, "timeouts took far longer than the 1 s limit");
    const fine = await p.edge("/fine");
    assert.equal(await fine.text(), "fine");
  });

  test("FN_003: hitting the memory cap gives 502 and the node keeps serving", async () => {
    await deployFiles(
      p,
      { name: "hog", memory: 128, triggers: http("/hog") },
      {
        "index.ts": `export function handler() {
        const keep: string[] = [];
        for (let i = 0; ; i++) keep.push("x".repeat(1024) + i);
      }`,
      },
    );
    const res = await p.edge("/hog");
    assert.equal(res.status, 502);
    assert.equal((await errorOf(res)).code, "FN_003");
    const fine = await p.edge("/fine");
    assert.equal(fine.status, 200);
    assert.equal(await fine.text(), "fine");
  });

  test("FN_004: an uncaught error gives 502 and an error log pointing at the user's source line", async () => {
    await deployFiles(
      p,
      { name: "thrower", triggers: http("/throw") },
      {
        "index.ts": ["// line 1", "export function handler() {", '  throw new Error("boom at line 3");', "}", ""].join(
          "\n",
        ),
      },
    );
    const res = await p.edge("/throw");
    assert.equal(res.status, 502);
    const err = await errorOf(res);
    assert.equal(err.code, "FN_004");
    assert.match(err.message, /boom at line 3/);
    const invocationId = res.headers.get("x-bunbase-invocation-id");
    assert.ok(invocationId);
    const log = await eventually(async () => {
      const logs = await p.api(`/functions/thrower/logs?invocationId=${invocationId}&level=error`);
      const body = (await logs.json()) as { logs: { level: string; message: string; fields?: { stack?: string } }[] };
      return body.logs[0];
    });
    assert.equal(log.level, "error");
    assert.match(JSON.stringify(log), /index\.ts:3/);
  });

  test("FN_005: a build error answers 422 with diagnostics and keeps the active version", async () => {
    await deployFiles(
      p,
      { name: "builds", triggers: http("/builds") },
      { "index.ts": `export function handler() { return new Response("v1"); }` },
    );
    const res = await p.api("/functions/builds/deploy", {
      method: "POST",
      json: { files: { "index.ts": "export function handler( { return new Response(" } },
    });
    assert.equal(res.status, 422);
    const err = await errorOf(res);
    assert.equal(err.code, "FN_005");
    const diagnostics = err.details?.diagnostics as { file: string; line: number; column: number; message: string }[];
    assert.ok(diagnostics.length > 0);
    assert.equal(diagnostics[0].file, "index.ts");
    assert.equal(diagnostics[0].line, 1);
    assert.equal(typeof diagnostics[0].column, "number");
    assert.equal(await (await p.edge("/builds")).text(), "v1");
  });

  test("FN_006: unknown config key, bad cron, path conflict, malformed JSON, bodies over 10 MB", async () => {
    const unknown = await p.api("/functions", { method: "POST", json: { name: "bad1", memroy: 256 } });
    assert.equal(unknown.status, 400);
    const e1 = await errorOf(unknown);
    assert.equal(e1.code, "FN_006");
    assert.equal(e1.details?.path, "memroy");

    const cron = await p.api("/functions", {
      method: "POST",
      json: {
        name: "bad2",
        triggers: [
          { type: "http", path: "/ok" },
          { type: "schedule", cron: "61 * * * *" },
        ],
      },
    });
    assert.equal(cron.status, 400);
    const e2 = await errorOf(cron);
    assert.equal(e2.code, "FN_006");
    assert.match(String(e2.details?.path), /^triggers\[1\]\.cron/);

    const conflict = await p.api("/functions", { method: "POST", json: { name: "bad3", triggers: http("/fine") } });
    assert.equal(conflict.status, 400);
    const e3 = await errorOf(conflict);
    assert.equal(e3.code, "FN_006");
    assert.match(String(e3.details?.path), /^triggers\[0\]/);

    const malformed = await p.api("/functions", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"name": "x",',
    });
    assert.equal(malformed.status, 400);
    assert.equal((await errorOf(malformed)).code, "FN_006");

    const big = new Uint8Array(10 * 1024 * 1024 + 1);
    const apiBig = await p.api("/functions/fine/invoke", { method: "POST", body: big });
    assert.equal(apiBig.status, 413);
    assert.equal((await errorOf(apiBig)).code, "FN_006");
    const edgeBig = await p.edge("/fine", { method: "POST", body: big });
    assert.equal(edgeBig.status, 413);
    assert.equal((await errorOf(edgeBig)).code, "FN_006");
  });

  test("FN_009: a viewer key cannot change anything; a missing key is 401", async () => {
    const created = await p.api("/keys", { method: "POST", json: { name: "ro", role: "viewer" } });
    assert.equal(created.status, 201);
    const { key } = (await created.json()) as { key: string };
    const list = await p.api("/functions", { key });
    assert.equal(list.status, 200);
    const post = await p.api("/functions", { key, method: "POST", json: { name: "nope" } });
    assert.equal(post.status, 403);
    assert.equal((await errorOf(post)).code, "FN_009");
    const anonymous = await fetch(`${p.originUrl}/functions`);
    assert.equal(anonymous.status, 401);
  });
});
