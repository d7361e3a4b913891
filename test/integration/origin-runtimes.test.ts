/**
 * Origin workers end to end (issue 6): functions in Python, Go, Node 22, Bun and Deno and
 * a busybox image, deployed through the API, built by the origin, run in runc containers
 * by the runner and called through the edge (origin fallback) and through invoke.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { startPlatform, tempDir, type TestPlatform } from "../helpers/platform.ts";
import { deployFiles, errorOf, eventually } from "../helpers/functions.ts";
import { buildBusyboxImage } from "../helpers/busybox-image.ts";

let p: TestPlatform;
before(async () => {
  p = await startPlatform({ BUNBASE_WORKER_IDLE_SECONDS: "30" });
});
after(async () => {
  await p?.stop();
});

const http = (path: string) => [{ type: "http", path, methods: ["GET", "POST"] }];

describe("python3.11", () => {
  before(async () => {
    await deployFiles(
      p,
      { name: "py-hash", runtime: "python3.11", handler: "main.handler", triggers: http("/py/hash") },
      {
        "main.py": `import hashlib, json

def handler(request):
    body = request.json() if request.body else {}
    text = body.get("text", "")
    print("hashing", len(text), "characters")
    return {"sha256": hashlib.sha256(text.encode()).hexdigest(), "method": request.method, "query": request.query}

def on_event(event, context):
    return {"type": event["type"], "attempt": event["metadata"]["attempt"], "data": event["data"]}
`,
      },
    );
  });

  test("an HTTP function using json and hashlib answers through the edge", async () => {
    const res = await p.edge("/py/hash?x=1", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text: "bunbase" }),
    });
    const text = await res.text();
    assert.equal(res.status, 200, text);
    const body = JSON.parse(text) as { sha256: string; method: string; query: Record<string, unknown> };
    assert.equal(body.sha256, createHash("sha256").update("bunbase").digest("hex"));
    assert.deepEqual(body.query, { x: "1" });
    assert.equal(body.method, "POST");
    assert.ok(res.headers.get("x-bunbase-invocation-id"));
    assert.equal(res.headers.get("x-bunbase-version"), "1");
    assert.ok(res.headers.get("server-timing"));
    assert.ok(res.headers.get("x-bunbase-edge-node"));
    assert.equal(res.headers.get("x-bunbase-cold-start"), "true");
    assert.match(res.headers.get("server-timing") ?? "", /container;dur=/);
    const again = await p.edge("/py/hash", { method: "GET" });
    assert.equal(again.status, 200, await again.text());
    assert.equal(again.headers.get("x-bunbase-cold-start"), "false");
  });

  test("the same function through invoke, and its print() as a log record", async () => {
    const res = await p.api("/functions/py-hash/invoke", { method: "POST", json: { text: "abc" } });
    const text = await res.text();
    assert.equal(res.status, 200, text);
    const invocationId = res.headers.get("x-bunbase-invocation-id")!;
    assert.equal(
      (JSON.parse(text) as { sha256: string }).sha256,
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
    const logs = await eventually(async () => {
      const r = await p.api(`/functions/py-hash/logs?invocationId=${invocationId}`);
      const body = (await r.json()) as { logs: { message: string; level: string }[] };
      return body.logs.find((l) => l.message.includes("hashing 3 characters")) ? body.logs : undefined;
    });
    assert.ok(logs.some((l) => l.level === "info"));
    // The cgroup's memory and CPU of each invocation reach the metrics.
    const metrics = await eventually(async () => {
      const r = await p.api("/functions/py-hash/metrics?window=5m");
      const m = (await r.json()) as { invocations: number; memoryMb: { max: number }; coldStarts: number };
      return m.invocations >= 3 && m.memoryMb.max > 0 ? m : undefined;
    });
    assert.ok(metrics.memoryMb.max > 1 && metrics.memoryMb.max < 128, `memory ${metrics.memoryMb.max} MB`);
    assert.ok(metrics.coldStarts >= 1);
  });
});

describe("python3.11 events", () => {
  test("an event handler gets the contract's event and its return value comes back", async () => {
    await deployFiles(
      p,
      { name: "py-events", runtime: "python3.11", handler: "events.on_event" },
      {
        "events.py": `def on_event(event, context):
    return {"type": event["type"], "attempt": event["metadata"]["attempt"], "data": event["data"]}
`,
      },
    );
    const res = await p.api("/functions/py-events/invoke?event=custom", { method: "POST", json: { n: 7 } });
    const text = await res.text();
    assert.equal(res.status, 200, text);
    assert.deepEqual(JSON.parse(text), { result: { type: "custom", attempt: 1, data: { n: 7 } } });
  });
});

describe("go1.x", () => {
  before(async () => {
    await deployFiles(
      p,
      { name: "go-hello", runtime: "go1.x", handler: "Handler", triggers: http("/go/hello") },
      {
        "go.mod": "module example.com/hello\n\ngo 1.22\n",
        "hello.go": `package hello

import (
	"context"
	"encoding/json"
	"net/http"
	"runtime"
)

func Handler(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("content-type", "application/json")
	json.NewEncoder(w).Encode(map[string]string{"path": r.URL.Path, "go": runtime.Version(), "q": r.URL.Query().Get("q")})
}

func OnEvent(ctx context.Context, event json.RawMessage) (any, error) {
	var e struct {
		Type string \`json:"type"\`
	}
	err := json.Unmarshal(event, &e)
	return map[string]string{"type": e.Type}, err
}
`,
      },
    );
  });

  test("a net/http handler answers through the edge and through invoke", async () => {
    const res = await p.edge("/go/hello?q=hi");
    const text = await res.text();
    assert.equal(res.status, 200, text);
    const body = JSON.parse(text) as { path: string; go: string; q: string };
    assert.equal(body.path, "/go/hello");
    assert.equal(body.q, "hi");
    assert.match(body.go, /^go1\.23/);
    const invoked = await p.api("/functions/go-hello/invoke?q=there", { method: "POST", json: {} });
    assert.equal(invoked.status, 200, await invoked.clone().text());
    assert.equal(((await invoked.json()) as { q: string }).q, "there");
  });

  test("a compile error is FN_005 with the file and line", async () => {
    const res = await p.api("/functions/go-hello/deploy", {
      method: "POST",
      json: {
        files: { "go.mod": "module example.com/hello\n\ngo 1.22\n", "hello.go": "package hello\n\nfunc Handler( {\n" },
      },
    });
    assert.equal(res.status, 422);
    const error = await errorOf(res);
    assert.equal(error.code, "FN_005");
    const diagnostics = error.details?.diagnostics as { file: string; line: number }[];
    assert.equal(diagnostics[0].file, "hello.go");
    assert.equal(diagnostics[0].line, 3);
    const still = await p.edge("/go/hello");
    assert.equal(still.status, 200, "the active version stays");
  });
});

const JS_FILES = {
  "index.ts": `import { readFileSync } from "node:fs";
export async function handler(req: Request): Promise<Response> {
  const shipped = readFileSync(new URL("./data.txt", import.meta.url), "utf8").trim();
  const runtime = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined" ? "bun"
    : typeof (globalThis as { Deno?: unknown }).Deno !== "undefined" ? "deno" : "node " + process.version;
  return Response.json({ shipped, runtime, url: new URL(req.url).pathname });
}
`,
  "data.txt": "shipped with the function\n",
};

for (const [runtime, expected] of [
  ["nodejs22", /^node v22\./],
  ["bun", /^bun$/],
  ["deno", /^deno$/],
] as const) {
  test(`${runtime} on the origin reads a file it shipped with node:fs`, async () => {
    const name = `js-${runtime}`;
    await deployFiles(
      p,
      { name, runtime, placement: "origin", handler: "index.handler", triggers: http(`/js/${runtime}`) },
      JS_FILES,
    );
    const res = await p.edge(`/js/${runtime}`);
    const text = await res.text();
    assert.equal(res.status, 200, text);
    const body = JSON.parse(text) as { shipped: string; runtime: string; url: string };
    assert.equal(body.shipped, "shipped with the function");
    assert.match(body.runtime, expected);
    assert.equal(body.url, `/js/${runtime}`);
  });
}

test("placement auto: JS that imports Node built-ins runs with Node on the origin", async () => {
  const created = await p.api("/functions", {
    method: "POST",
    json: { name: "js-auto", runtime: "nodejs20", handler: "index.handler", triggers: http("/js/auto") },
  });
  assert.equal(created.status, 201);
  const res = await p.api("/functions/js-auto/deploy", { method: "POST", json: { files: JS_FILES } });
  const text = await res.text();
  assert.equal(res.status, 201, text);
  assert.match(text, /runs with Node on the origin/);
  await p.synced();
  const answer = await p.edge("/js/auto");
  assert.equal(answer.status, 200, await answer.clone().text());
  const body = (await answer.json()) as { shipped: string; runtime: string };
  assert.equal(body.shipped, "shipped with the function");
  assert.match(body.runtime, /^node v20\./);
});

test("a busybox image answers on $PORT through the edge and through invoke", async () => {
  const created = await p.api("/functions", {
    method: "POST",
    json: { name: "busybox", runtime: "container", triggers: http("/box/*") },
  });
  assert.equal(created.status, 201, await created.text());
  const image = await buildBusyboxImage({
    format: "oci",
    gzip: true,
    files: {
      "www/box/index.html": "hello from busybox\n",
      "www/cgi-bin/who": {
        content:
          '#!/bin/busybox sh\necho "content-type: text/plain"\necho\necho "method=$REQUEST_METHOD greeting=$GREETING"\n',
        mode: 0o755,
      },
    },
    env: { GREETING: "hey" },
  });
  const res = await p.api("/functions/busybox/deploy", {
    method: "POST",
    headers: { "content-type": "application/vnd.oci.image.layout.v1+tar" },
    body: image,
  });
  assert.equal(res.status, 201, await res.clone().text());
  await p.synced();
  const page = await p.edge("/box/index.html");
  assert.equal(page.status, 200, await page.clone().text());
  assert.equal(await page.text(), "hello from busybox\n");
});

test("an origin function's stream reaches the client through the edge before it ends", async () => {
  await deployFiles(
    p,
    {
      name: "js-stream",
      runtime: "nodejs22",
      placement: "origin",
      handler: "index.handler",
      triggers: http("/js/stream"),
    },
    {
      "index.ts": `export async function handler(): Promise<Response> {
  const encoder = new TextEncoder();
  const body = new ReadableStream({
    async start(controller) {
      controller.enqueue(encoder.encode("data: first\\n\\n"));
      await new Promise((r) => setTimeout(r, 1500));
      controller.enqueue(encoder.encode("data: second\\n\\n"));
      controller.close();
    },
  });
  return new Response(body, { headers: { "content-type": "text/event-stream" } });
}
`,
    },
  );
  const started = performance.now();
  const res = await p.edge("/js/stream");
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "text/event-stream");
  const reader = res.body!.getReader();
  const first = await reader.read();
  const firstAt = performance.now() - started;
  assert.match(new TextDecoder().decode(first.value), /data: first/);
  let rest = "";
  for (let step = await reader.read(); !step.done; step = await reader.read())
    rest += new TextDecoder().decode(step.value);
  const endAt = performance.now() - started;
  assert.match(rest, /data: second/);
  assert.ok(endAt - firstAt > 1000, `the first event came ${Math.round(endAt - firstAt)} ms before the end`);
});

test("edge rules apply to origin functions: CORS preflight at the edge, headers on the answer", async () => {
  await deployFiles(
    p,
    {
      name: "py-cors",
      runtime: "python3.11",
      handler: "main.handler",
      triggers: http("/py/cors"),
      edge: { cors: { origin: ["https://app.example"], methods: ["GET", "POST"] } },
      scaling: { minInstances: 1 },
    },
    { "main.py": "def handler(request):\n    return {'country': request.headers.get('x-bunbase-country')}\n" },
  );
  const preflight = await p.edge("/py/cors", {
    method: "OPTIONS",
    headers: { origin: "https://app.example", "access-control-request-method": "POST" },
  });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get("access-control-allow-origin"), "https://app.example");
  // minInstances: 1 started a container at deploy, so this is warm; a spoofed geo header never passes.
  const res = await eventually(async () => {
    const r = await p.edge("/py/cors", { headers: { origin: "https://app.example", "x-bunbase-country": "XX" } });
    return r.headers.get("x-bunbase-cold-start") === "false" ? r : (await r.body?.cancel(), undefined);
  });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("access-control-allow-origin"), "https://app.example");
  assert.deepEqual(await res.json(), { country: null });
});

for (const runtime of ["python3.11", "go1.x"]) {
  test(`bunbase functions init --runtime ${runtime}, then deploy with the CLI and call it`, async () => {
    const dir = tempDir("bunbase-origin-cli-");
    const name = `cli-${runtime.replace(/[^a-z0-9]/g, "")}`;
    const init = await p.cli(["functions", "init", name, "--runtime", runtime], { cwd: dir });
    assert.equal(init.code, 0, init.stderr + init.stdout);
    const deployed = await p.cli(["functions", "deploy", name, "--dir", join(dir, name), "--json"]);
    assert.equal(deployed.code, 0, deployed.stderr + deployed.stdout);
    assert.equal(JSON.parse(deployed.stdout).version, 1);
    await p.synced();
    const res = await p.edge(`/${name}?name=Ada`);
    const text = await res.text();
    assert.equal(res.status, 200, text);
    assert.match(text, /Hello, Ada!/);
  });
}

describe("errors", () => {
  test("a runtime the machine lacks is refused at deploy with FN_005 naming it", async () => {
    const created = await p.api("/functions", {
      method: "POST",
      json: { name: "py312", runtime: "python3.12", handler: "main.handler" },
    });
    assert.equal(created.status, 201);
    const res = await p.api("/functions/py312/deploy", {
      method: "POST",
      json: { files: { "main.py": "def handler(request):\n    return 'hi'\n" } },
    });
    assert.equal(res.status, 422);
    const error = await errorOf(res);
    assert.equal(error.code, "FN_005");
    assert.match(error.message, /python3\.12/);
  });
});
