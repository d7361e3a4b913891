import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import type { EgressConfig } from "../../../core/index.ts";
import { readFetchArgs } from "./host-fetch.ts";
import { collectingPool, limits, source } from "./test-support.ts";
import type { IsolatePool } from "./index.ts";

let origin = "";
const server = createServer((req, res) => void route(req, res));

async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", origin);
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks).toString();
  const hops = Number(url.searchParams.get("n") ?? 0);
  if (url.pathname === "/redirect") {
    const next = hops > 0 ? `/redirect?n=${hops - 1}` : "/echo";
    res.writeHead(Number(url.searchParams.get("status") ?? 302), { location: next }).end();
  } else if (url.pathname === "/slow") {
    setTimeout(() => res.end("late"), 3000).unref();
  } else if (url.pathname === "/gzip") {
    res.writeHead(200, { "content-encoding": "gzip", "content-type": "application/json" });
    res.end(gzipSync(JSON.stringify({ zipped: true })));
  } else if (url.pathname === "/empty") {
    res.writeHead(204, { "x-empty": "yes" }).end();
  } else {
    res.writeHead(201, { "content-type": "application/json", "set-cookie": ["a=1", "b=2"], "x-reply": "hi" });
    res.end(JSON.stringify({ method: req.method, path: url.pathname, headers: req.headers, body }));
  }
}

const { pool } = collectingPool({ egress: { deniedHosts: ["10.9.9.9:8700"] } });
const { pool: tight } = collectingPool({ egress: { maxSubrequests: 5 } });
const privateNets: EgressConfig = { allowPrivateNetworks: true };

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  await Promise.all([pool.close(), tight.close()]);
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** Runs `body` as an event handler with `ORIGIN` in scope and the function's vpc block `egress`. */
async function run(body: string, egress: EgressConfig | undefined, on: IsolatePool = pool): Promise<unknown> {
  const fn = source(`export async function handler(event) {\nconst ORIGIN = ${JSON.stringify(origin)};\n${body}\n}`);
  const { result } = await on.invokeEvent(fn, { ...limits, egress }, { invocationId: "fetch", event: {}, env: {} });
  return result;
}

const failure = `catch (e) { return { name: e.name, message: e.message, type: e instanceof TypeError }; }`;

describe("fetch", () => {
  it("sends method, headers and body and reads status, headers and body", async () => {
    const result = await run(
      `const res = await fetch(ORIGIN + "/echo?x=1", { method: "POST", headers: { "X-Test": "yes" }, body: "hello" });
      const json = await res.json();
      return { status: res.status, ok: res.ok, reply: res.headers.get("x-reply"), cookies: res.headers.getSetCookie(),
        isResponse: res instanceof Response, url: res.url, redirected: res.redirected,
        method: json.method, test: json.headers["x-test"], type: json.headers["content-type"], body: json.body };`,
      privateNets,
    );
    assert.deepEqual(result, {
      status: 201,
      ok: true,
      reply: "hi",
      cookies: ["a=1", "b=2"],
      isResponse: true,
      url: `${origin}/echo?x=1`,
      redirected: false,
      method: "POST",
      test: "yes",
      type: "text/plain;charset=UTF-8",
      body: "hello",
    });
  });

  it("takes a Request, URLSearchParams, stream and FormData bodies", async () => {
    const result = (await run(
      `const echo = async (res) => (await res.json()).body;
      const viaRequest = await echo(await fetch(new Request(ORIGIN + "/echo", { method: "PUT", body: "from request" })));
      const form = await echo(await fetch(ORIGIN + "/echo", { method: "POST", body: new URLSearchParams({ a: "1 2" }) }));
      const stream = new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode("str")); c.enqueue(new TextEncoder().encode("eam")); c.close(); } });
      const streamed = await echo(await fetch(ORIGIN + "/echo", { method: "POST", body: stream }));
      const data = new FormData(); data.append("field", "value"); data.append("file", new Blob(["abc"], { type: "text/plain" }), "a.txt");
      const multipart = await echo(await fetch(ORIGIN + "/echo", { method: "POST", body: data }));
      return { viaRequest, form, streamed, multipart };`,
      privateNets,
    )) as Record<string, string>;
    assert.equal(result.viaRequest, "from request");
    assert.equal(result.form, "a=1+2");
    assert.equal(result.streamed, "stream");
    assert.match(result.multipart, /name="field"\r\n\r\nvalue\r\n/);
    assert.match(result.multipart, /name="file"; filename="a.txt"\r\nContent-Type: text\/plain\r\n\r\nabc\r\n/);
  });

  it("follows redirects, or not, as asked", async () => {
    const result = await run(
      `const followed = await fetch(ORIGIN + "/redirect?n=2");
      const manual = await fetch(ORIGIN + "/redirect?n=0", { redirect: "manual" });
      let error; try { await fetch(ORIGIN + "/redirect?n=0", { redirect: "error" }); } catch (e) { error = e instanceof TypeError; }
      const seeOther = await (await fetch(ORIGIN + "/redirect?n=0&status=303", { method: "POST", body: "x" })).json();
      return { status: followed.status, redirected: followed.redirected, url: followed.url,
        manual: [manual.status, manual.headers.get("location")], error, seeOther: seeOther.method };`,
      privateNets,
    );
    assert.deepEqual(result, {
      status: 201,
      redirected: true,
      url: `${origin}/echo`,
      manual: [302, "/echo"],
      error: true,
      seeOther: "GET",
    });
  });

  it("reaches a name that resolves to several addresses (localhost) through the accepted ones", async () => {
    const port = new URL(origin).port;
    const result = await run(`return (await fetch("http://localhost:${port}/echo")).status;`, privateNets);
    assert.equal(result, 201);
  });

  it("decodes gzip bodies and gives 204 a null body", async () => {
    const result = await run(
      `const zipped = await (await fetch(ORIGIN + "/gzip")).json();
      const empty = await fetch(ORIGIN + "/empty");
      return { zipped, status: empty.status, body: empty.body, header: empty.headers.get("x-empty") };`,
      privateNets,
    );
    assert.deepEqual(result, { zipped: { zipped: true }, status: 204, body: null, header: "yes" });
  });

  it("refuses loopback without vpc.allowPrivateNetworks, even with egress on", async () => {
    for (const egress of [undefined, {}, { egress: true }, { egress: true, allowedHosts: ["127.0.0.1"] }]) {
      const result = await run(`try { await fetch(ORIGIN + "/echo"); return "fetched"; } ${failure}`, egress);
      assert.deepEqual(result, {
        name: "TypeError",
        message:
          "fetch to 127.0.0.1 is not allowed: 127.0.0.1 is a loopback address and vpc.allowPrivateNetworks is off",
        type: true,
      });
    }
  });

  it("refuses the metadata address, localhost by name, IPv4-mapped IPv6 and the control plane", async () => {
    const result = await run(
      `const out = [];
      for (const url of ["http://169.254.169.254/latest/meta-data/", "http://localhost:1/", "http://[::ffff:127.0.0.1]:1/",
        "http://10.9.9.9:8700/internal/snapshot", "file:///etc/passwd", "http://0.0.0.0:1/"]) {
        try { await fetch(url); out.push("fetched"); } catch (e) { out.push(e instanceof TypeError ? e.message : "other"); }
      }
      return out;`,
      { egress: true },
    );
    const messages = result as string[];
    assert.match(messages[0], /^fetch to 169\.254\.169\.254 is not allowed: .* link-local address/);
    assert.match(messages[1], /^fetch to localhost is not allowed: .* loopback address/);
    assert.match(messages[2], /^fetch to ::ffff:7f00:1 is not allowed: .* loopback address/);
    assert.match(messages[3], /^fetch to 10\.9\.9\.9 is not allowed: the platform's control plane/);
    assert.match(messages[4], /only http: and https:/);
    assert.match(messages[5], /unspecified address/);
  });

  it("stops at the subrequest limit, counting redirects, and resets it per invocation", async () => {
    const body = `const out = [];
      for (let i = 0; i < 5; i++) {
        // The first one takes 3 subrequests: two redirects and the echo.
        try { out.push((await fetch(ORIGIN + (i === 0 ? "/redirect?n=1" : "/echo"))).status); } catch (e) { out.push(e.message); }
      }
      return out;`;
    const limitMessage = "Too many subrequests: at most 5 fetches per invocation";
    assert.deepEqual(await run(body, privateNets, tight), [201, 201, 201, limitMessage, limitMessage]);
    assert.deepEqual(await run(body, privateNets, tight), [201, 201, 201, limitMessage, limitMessage]);
  });

  it("honours AbortSignal: abort(), AbortSignal.timeout and an already aborted signal", async () => {
    const result = await run(
      `const controller = new AbortController();
      const pending = fetch(ORIGIN + "/slow", { signal: controller.signal });
      setTimeout(() => controller.abort(), 20);
      const out = [];
      try { await pending; } catch (e) { out.push(e.name); }
      try { await fetch(ORIGIN + "/slow", { signal: AbortSignal.timeout(30) }); } catch (e) { out.push(e.name); }
      try { await fetch(ORIGIN + "/echo", { signal: AbortSignal.abort("mine") }); } catch (e) { out.push(e); }
      return out;`,
      privateNets,
    );
    assert.deepEqual(result, ["AbortError", "TimeoutError", "mine"]);
  });

  it("refuses a fetch at module top level, outside any invocation", async () => {
    const fn = source(`const early = fetch(${JSON.stringify(origin)} + "/echo").then(() => "fetched", (e) => e.message);
      export async function handler() { return await early; }`);
    const { result } = await pool.invokeEvent(
      fn,
      { ...limits, egress: privateNets },
      { invocationId: "m", event: {}, env: {} },
    );
    assert.equal(result, "fetch is only possible while handling a request or event");
  });

  it("bounds a fetch by the invocation's timeout", async () => {
    const fn = source(
      `export async function handler() { await fetch(${JSON.stringify(origin)} + "/slow"); return "done"; }`,
    );
    const started = Date.now();
    await assert.rejects(
      pool.invokeEvent(
        fn,
        { memoryMb: 128, timeoutMs: 300, egress: privateNets },
        { invocationId: "t", event: {}, env: {} },
      ),
      (error: { code?: string }) => error.code === "FN_002",
    );
    assert.ok(Date.now() - started < 2500);
  });
});

describe("fetch: what a guest cannot do", () => {
  it("finds none of the host-call bridges on the global object", async () => {
    const result = await run(
      `return ["__bunbase_host_call", "__bunbase_host_notify", "__bunbase_host_settle"].map((name) => typeof globalThis[name])
        .concat(Object.getOwnPropertyNames(globalThis).filter((name) => name.startsWith("__bunbase")));`,
      undefined,
    );
    // Only the SDK's capabilities (rateLimit() and @bunbase/sdk), which are no bridges (sdk-rate-limit.test.ts).
    assert.deepEqual(result, ["undefined", "undefined", "undefined", "__bunbase_rate_limit", "__bunbase_sdk"]);
  });

  it("gets TypeErrors for bad input, and the host survives", async () => {
    const result = await run(
      `const out = [];
      const attempts = [
        () => fetch("not a url"),
        () => fetch(ORIGIN + "/echo", { method: "CONNECT" }),
        () => fetch(ORIGIN + "/echo", { headers: { "bad header": "x" } }),
        () => fetch(ORIGIN + "/echo", { method: "POST", body: new Uint8Array(11 * 1024 * 1024) }),
        () => fetch("http://user:pw@127.0.0.1/"),
        () => fetch(ORIGIN + "/echo", { headers: { "x-big": "v".repeat(70 * 1024) } }),
      ];
      for (const attempt of attempts) { try { await attempt(); out.push("fetched"); } catch (e) { out.push(e instanceof TypeError); } }
      return out;`,
      privateNets,
    );
    assert.deepEqual(result, [true, true, true, true, true, true]);
  });

  it("checks what crosses on the host side", () => {
    const good = { url: "https://example.com/", method: "GET", headers: [], body: null, redirect: "follow" };
    assert.equal(readFetchArgs(good).url.href, "https://example.com/");
    const bad: unknown[] = [
      null,
      "https://example.com/",
      { ...good, url: 5 },
      { ...good, url: "x".repeat(20_000) },
      { ...good, url: "javascript:alert(1)" },
      { ...good, method: "G E T" },
      { ...good, headers: "x" },
      { ...good, headers: [["a", 1]] },
      { ...good, headers: [["a", "b", "c"]] },
      { ...good, headers: [["a", "line\nbreak"]] },
      { ...good, headers: Array.from({ length: 300 }, () => ["a", "b"]) },
      { ...good, body: "text" },
      { ...good, body: new Uint8Array(11 * 1024 * 1024) },
      { ...good, redirect: "sometimes" },
    ];
    for (const args of bad) assert.throws(() => readFetchArgs(args), { name: "TypeError" });
    const stripped = readFetchArgs({
      ...good,
      headers: [
        ["Host", "evil"],
        ["X-A", "1"],
        ["Content-Length", "9"],
      ],
    });
    assert.deepEqual(stripped.headers, [["x-a", "1"]]);
  });
});
