// Bunbase origin-worker shim for Node 18+, Bun and Deno (origin-api/src/workers/types.ts
// describes the protocol). It imports the bundled function (BUNBASE_ENTRY), serves HTTP on
// 127.0.0.1:$PORT (Bun.serve, Deno.serve, or node:http converted to web Request/Response),
// and calls the handler shapes of contract section 4:
//   export async function handler(req, ctx)        export default { fetch(req, env, ctx) }
//   export default app  (app.fetch)                 export async function onX(event, ctx)
// console.* becomes JSON lines {level, message, invocationId} on stdout. The request's
// x-bunbase-sdk-token (never shown to the handler) stays with the invocation, and the
// `__bunbase_sdk` capability @bunbase/sdk calls (sdk/src/sdk-call.guest.ts) sends it with
// each call to the runner's relay at $BUNBASE_SDK_URL (docs/sdk.md).
/* global Request, Response, Headers, AbortController, URLSearchParams, Bun, Deno */
import { AsyncLocalStorage } from "node:async_hooks";
import { webcrypto } from "node:crypto";
import { once } from "node:events";
import { createServer } from "node:http";
import process from "node:process";
import { Readable } from "node:stream";
import { pathToFileURL } from "node:url";
import { format } from "node:util";

const EVENT_PATH = "/__bunbase/event";
const INVOCATION_HEADER = "x-bunbase-invocation-id";
const HANDLER_HEADER = "x-bunbase-handler";
const RUNTIME_ERROR_HEADER = "x-bunbase-runtime-error";
const SDK_TOKEN_HEADER = "x-bunbase-sdk-token";
const GEO_HEADERS = ["country", "region", "city", "latitude", "longitude", "asn"];

/** The invocation in progress: {id, token}. */
const invocation = new AsyncLocalStorage();
const pending = new Set();

// Node 18 has WebCrypto only as node:crypto's webcrypto.
globalThis.crypto ??= webcrypto;

function log(level, args) {
  const record = { level, message: format(...args) };
  const id = invocation.getStore()?.id;
  if (id) record.invocationId = id;
  process.stdout.write(JSON.stringify(record) + "\n");
}

const LEVELS = { debug: "debug", trace: "debug", log: "info", info: "info", warn: "warn", error: "error" };
for (const [method, level] of Object.entries(LEVELS)) console[method] = (...args) => log(level, args);

function errorResponse(err) {
  const error = err instanceof Error ? err : new Error(String(err));
  log("error", [error]);
  const body = JSON.stringify({ error: { message: `${error.name}: ${error.message}`, stack: error.stack } });
  return new Response(body, {
    status: 500,
    headers: { "content-type": "application/json", [RUNTIME_ERROR_HEADER]: "1" },
  });
}

function waitUntil(promise) {
  const tracked = Promise.resolve(promise)
    .catch((err) => log("error", ["waitUntil promise rejected:", err]))
    .finally(() => pending.delete(tracked));
  pending.add(tracked);
}

function context(request) {
  const geo = {};
  for (const name of GEO_HEADERS) {
    const value = request.headers.get(`x-bunbase-${name}`);
    if (value !== null) geo[name] = value;
  }
  return { env: { ...process.env }, geo, auth: null, waitUntil, passThroughOnException() {} };
}

function sdkRefusal(code, message, details) {
  return { ok: false, error: { code, message, ...(details ? { details } : {}) } };
}

/** The relay's answer as the capability's: `{ok, value}` or the error envelope's fields. */
async function sdkAnswer(res, read) {
  if (res.ok) return { ok: true, value: await read(res) };
  const text = await res.text();
  try {
    const { error } = JSON.parse(text);
    if (typeof error?.code === "string") return sdkRefusal(error.code, String(error.message ?? ""), error.details);
  } catch {
    // not the envelope: said below
  }
  return sdkRefusal("FN_004", `@bunbase/sdk: the platform services answered ${res.status}`);
}

/** The `__bunbase_sdk` capability: what an isolate's host does, here over HTTP to the relay. */
function installSdk(url) {
  const nativeFetch = globalThis.fetch;
  async function call(service, method, args) {
    const token = invocation.getStore()?.token;
    if (!token) {
      const what = `@bunbase/sdk ${service}.${method}()`;
      return sdkRefusal("FN_004", `${what}: must be called during an invocation (inside your handler)`);
    }
    const headers = { [SDK_TOKEN_HEADER]: token };
    try {
      if (service === "storage" && (method === "upload" || method === "download")) {
        const target = `${url}/storage?${new URLSearchParams({ bucket: args.bucket, path: args.path })}`;
        if (method === "download") {
          const res = await nativeFetch(target, { headers });
          return await sdkAnswer(res, async (r) => ({
            data: new Uint8Array(await r.arrayBuffer()),
            contentType: r.headers.get("content-type") ?? "",
            etag: (r.headers.get("etag") ?? "").replace(/"/g, ""),
          }));
        }
        if (args.contentType) headers["content-type"] = args.contentType;
        const res = await nativeFetch(target, { method: "PUT", headers, body: args.data });
        return await sdkAnswer(res, async (r) => (await r.json()).result ?? null);
      }
      headers["content-type"] = "application/json";
      const body = JSON.stringify({ service, method, args });
      const res = await nativeFetch(`${url}/call`, { method: "POST", headers, body });
      return await sdkAnswer(res, async (r) => (await r.json()).result ?? null);
    } catch (err) {
      return sdkRefusal("FN_004", `@bunbase/sdk: the platform services could not be reached (${err?.message ?? err})`);
    }
  }
  Object.defineProperty(globalThis, "__bunbase_sdk", { value: Object.freeze({ call }), enumerable: false });
}

/** The request without its SDK token, and the token. */
function withoutToken(request) {
  const token = request.headers.get(SDK_TOKEN_HEADER);
  if (token === null) return { request, token: undefined };
  const headers = new Headers(request.headers);
  headers.delete(SDK_TOKEN_HEADER);
  return { request: new Request(request, { headers }), token };
}

async function loadModule() {
  const entry = process.env.BUNBASE_ENTRY;
  if (!entry) throw new Error("BUNBASE_ENTRY is not set");
  return import(pathToFileURL(entry).href);
}

/** The web-standard core: one Request in, one Response out. */
function createDispatcher(mod, defaultExport) {
  async function onEvent(request) {
    const requested = request.headers.get(HANDLER_HEADER);
    const name = requested ? requested.slice(requested.lastIndexOf(".") + 1) : defaultExport;
    const fn = mod[name];
    if (typeof fn !== "function") throw new TypeError(`the function has no event handler export "${name}"`);
    const text = await request.text();
    const result = await fn(text ? JSON.parse(text) : null, context(request));
    return new Response(JSON.stringify({ result: result ?? null }), {
      headers: { "content-type": "application/json" },
    });
  }

  async function onRequest(request) {
    const target = mod[defaultExport];
    const ctx = context(request);
    let response;
    if (typeof target === "function") response = await target(request, ctx);
    else if (target && typeof target.fetch === "function") response = await target.fetch(request, ctx.env, ctx);
    else throw new TypeError(`export "${defaultExport}" is neither a function nor an object with fetch()`);
    if (!(response instanceof Response)) {
      throw new TypeError(`the handler returned ${Object.prototype.toString.call(response)}, not a Response`);
    }
    return response;
  }

  return (received) => {
    const id = received.headers.get(INVOCATION_HEADER) ?? undefined;
    const { request, token } = withoutToken(received);
    return invocation.run({ id, token }, async () => {
      try {
        const { pathname } = new URL(request.url);
        return await (request.method === "POST" && pathname === EVENT_PATH ? onEvent(request) : onRequest(request));
      } catch (err) {
        return errorResponse(err);
      }
    });
  };
}

function toWebRequest(req, signal) {
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  return new Request(`http://${req.headers.host ?? "localhost"}${req.url}`, {
    method: req.method,
    headers,
    body: hasBody ? Readable.toWeb(req) : undefined,
    duplex: hasBody ? "half" : undefined,
    signal,
  });
}

async function writeWebResponse(response, res) {
  const headers = [];
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie") headers.push(name, value);
  });
  const cookies = response.headers.getSetCookie?.() ?? [];
  for (const cookie of cookies) headers.push("set-cookie", cookie);
  res.writeHead(response.status, response.statusText, headers);
  if (response.body) {
    for await (const chunk of response.body) {
      if (!res.write(chunk)) await once(res, "drain");
    }
  }
  res.end();
}

/** Node loads its fetch classes (undici) on first use: pay that before the port opens, not in the first request. */
async function warmWebClasses() {
  const request = new Request("http://localhost/", { method: "POST", body: "{}", headers: { a: "b" } });
  await new Response(request.body).text();
}

async function serveNode(dispatch, port) {
  await warmWebClasses();
  const server = createServer(async (req, res) => {
    const aborter = new AbortController();
    res.on("close", () => {
      if (!res.writableFinished) aborter.abort();
    });
    try {
      await writeWebResponse(await dispatch(toWebRequest(req, aborter.signal)), res);
    } catch (err) {
      log("error", ["responding failed:", err]);
      res.destroy();
    }
  });
  server.keepAliveTimeout = 65_000;
  server.listen(port, "127.0.0.1");
}

async function main() {
  const port = Number(process.env.PORT ?? 8080);
  if (process.env.BUNBASE_SDK_URL) installSdk(process.env.BUNBASE_SDK_URL.replace(/\/$/, ""));
  let mod;
  try {
    mod = await loadModule();
  } catch (err) {
    log("error", ["the handler could not be loaded:", err]);
    process.exit(1);
  }
  const dispatch = createDispatcher(mod, process.env.BUNBASE_HANDLER || "default");
  if (typeof Bun !== "undefined") Bun.serve({ hostname: "127.0.0.1", port, idleTimeout: 0, fetch: dispatch });
  else if (typeof Deno !== "undefined") Deno.serve({ hostname: "127.0.0.1", port, onListen() {} }, dispatch);
  else await serveNode(dispatch, port);
}

process.on("SIGTERM", async () => {
  await Promise.allSettled([...pending]);
  process.exit(0);
});

await main();
