/**
 * The forwarder against real local servers: bodies stream both ways (a chunk crosses
 * before the next is sent), hop-by-hop headers go and x-forwarded-* come, and failures
 * become the contract's errors (refused 502 FN_004, silent 504 FN_002, cut 502 FN_004).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Forwarder, type ForwardOptions, type ForwardResult } from "./forward.ts";

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

let upstreamHandler: Handler = (_req, res) => res.end("ok");
let upstream: Server;
let upstreamUrl: string;
let front: Server;
let frontUrl: string;
let forwardOptions: Partial<ForwardOptions> = {};
let target = "";
let lastResult: ForwardResult | undefined;
const forwarder = new Forwarder({ nodeName: "edge-test-1", connectTimeoutMs: 500 });

async function listen(handler: Handler): Promise<[Server, string]> {
  const server = createServer(handler);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return [server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`];
}

before(async () => {
  [upstream, upstreamUrl] = await listen((req, res) => upstreamHandler(req, res));
  [front, frontUrl] = await listen((req, res) => {
    void forwarder
      .forward(req, res, target || upstreamUrl, { requestId: "req-1", ...forwardOptions })
      .then((result) => (lastResult = result));
  });
});

after(async () => {
  front.closeAllConnections();
  upstream.closeAllConnections();
  await Promise.all([new Promise((r) => front.close(r)), new Promise((r) => upstream.close(r))]);
  await forwarder.close();
});

function reset(): void {
  forwardOptions = {};
  target = "";
  lastResult = undefined;
}

interface Sent {
  status: number;
  headers: IncomingMessage["headers"];
  body: string;
}

function send(method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Sent> {
  return new Promise((resolve, reject) => {
    const req = request(frontUrl + path, { method, headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

test("request and response bodies stream through chunk by chunk", async () => {
  reset();
  // The upstream echoes each request chunk at once, upper-cased; the client sends the next
  // chunk only after the previous one came back: a buffering hop would deadlock here.
  upstreamHandler = (req, res) => {
    res.writeHead(200, { "content-type": "text/plain" });
    res.flushHeaders();
    req.on("data", (chunk: Buffer) => res.write(chunk.toString().toUpperCase()));
    req.on("end", () => res.end("|end"));
  };
  const chunks = ["alpha", "beta", "gamma"];
  const received: string[] = [];
  const done = new Promise<string>((resolve, reject) => {
    const req = request(frontUrl + "/echo", { method: "POST", headers: { "transfer-encoding": "chunked" } }, (res) => {
      res.setEncoding("utf8");
      let all = "";
      res.on("data", (chunk: string) => {
        all += chunk;
        received.push(chunk);
        const next = chunks[received.length];
        if (next === undefined) req.end();
        else req.write(next);
      });
      res.on("end", () => resolve(all));
    });
    req.on("error", reject);
    req.flushHeaders();
    req.write(chunks[0]);
  });
  const body = await Promise.race([
    done,
    new Promise<string>((_, reject) => setTimeout(() => reject(new Error("a hop buffered the stream")), 5000)),
  ]);
  assert.equal(body, "ALPHABETAGAMMA|end");
  assert.ok(received.length >= 3, `chunks arrived one by one: ${JSON.stringify(received)}`);
});

test("drops hop-by-hop headers both ways and appends x-forwarded-* and x-bunbase-forwarded-by", async () => {
  reset();
  let seen: IncomingMessage["headers"] = {};
  upstreamHandler = (req, res) => {
    seen = req.headers;
    res.writeHead(201, [
      ["connection", "x-upstream-private"],
      ["x-upstream-private", "1"],
      ["keep-alive", "timeout=77"],
      ["set-cookie", "a=1"],
      ["set-cookie", "b=2"],
      ["x-kept", "yes"],
    ]);
    res.end("made");
  };
  forwardOptions = { headers: { "x-extra": "set-by-caller" } };
  const res = await send("GET", "/h?q=1", {
    connection: "x-drop-me",
    "x-drop-me": "secret",
    "proxy-authorization": "Basic abc",
    te: "trailers",
    "x-forwarded-for": "203.0.113.9",
    "x-forwarded-proto": "https",
    host: "app.example.com",
    "x-kept": "client",
  });
  assert.equal(res.status, 201);
  assert.equal(res.body, "made");
  assert.equal(res.headers["x-kept"], "yes");
  assert.deepEqual(res.headers["set-cookie"], ["a=1", "b=2"]);
  assert.equal(res.headers["x-upstream-private"], undefined);
  assert.equal(
    res.headers["keep-alive"]?.includes("timeout=77") ?? false,
    false,
    "the upstream's keep-alive is not passed on",
  );
  assert.equal(seen["x-drop-me"], undefined);
  assert.equal(seen["proxy-authorization"], undefined);
  assert.equal(seen.te, undefined);
  assert.equal(seen["x-kept"], "client");
  assert.equal(seen["x-extra"], "set-by-caller");
  assert.equal(seen["x-forwarded-for"], "203.0.113.9, 127.0.0.1");
  assert.equal(seen["x-forwarded-proto"], "https, http");
  assert.equal(seen["x-forwarded-host"], "app.example.com");
  assert.equal(seen["x-bunbase-forwarded-by"], "edge-test-1");
  assert.equal(seen.host, new URL(upstreamUrl).host, "the target's own host, the client's in x-forwarded-host");
  assert.equal(lastResult?.outcome, "forwarded");
});

test("an upstream that does not answer in time is 504 FN_002", async () => {
  reset();
  upstreamHandler = () => undefined; // never answers
  forwardOptions = { headersTimeoutMs: 200, errorHeaders: { "x-bunbase-edge-node": "edge-test-1" } };
  const started = performance.now();
  const res = await send("GET", "/slow");
  assert.equal(res.status, 504);
  assert.equal(JSON.parse(res.body).error.code, "FN_002");
  assert.equal(JSON.parse(res.body).error.requestId, "req-1");
  assert.equal(res.headers["x-bunbase-edge-node"], "edge-test-1");
  assert.ok(performance.now() - started < 3000);
});

test("a refused connection is 502 FN_004, or `unreachable` with the response untouched when asked", async () => {
  reset();
  const [closed, closedUrl] = await listen(() => undefined);
  await new Promise((r) => closed.close(r));
  target = closedUrl;
  const res = await send("POST", "/gone", { "content-type": "text/plain" }, "payload");
  assert.equal(res.status, 502);
  const error = JSON.parse(res.body).error;
  assert.equal(error.code, "FN_004");
  assert.equal(error.details.upstream, "unreachable");

  // With returnUnreachable the caller answers: here it serves the still-unread body itself.
  const [fallback, fallbackUrl] = await listen((req, res) => {
    void forwarder
      .forward(req, res, closedUrl, { requestId: "req-2", returnUnreachable: true })
      .then(async (result) => {
        assert.equal(result.outcome, "unreachable");
        let body = "";
        for await (const chunk of req) body += String(chunk);
        res.end(`served here: ${body}`);
      });
  });
  const served = await fetch(fallbackUrl + "/x", { method: "POST", body: "still unread" });
  assert.equal(await served.text(), "served here: still unread");
  fallback.closeAllConnections();
  await new Promise((r) => fallback.close(r));
});

test("an upstream that cuts the connection before answering is 502 FN_004", async () => {
  reset();
  upstreamHandler = (req) => req.socket.destroy();
  const res = await send("GET", "/cut");
  assert.equal(res.status, 502);
  assert.equal(JSON.parse(res.body).error.code, "FN_004");
  assert.equal(JSON.parse(res.body).error.details.upstream, "broken");
});
