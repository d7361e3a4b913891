/**
 * Origin workers under abuse (issue 6, "Fault tests"): a fork bomb, memory over the cap,
 * /tmp past its limit, the cloud metadata address and the origin API's port from inside,
 * sleeping past the timeout and exiting mid-request. Each gets its code, another function
 * keeps answering, and once the platform stops no container or cgroup is left.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { startPlatform, type TestPlatform } from "../helpers/platform.ts";
import { deployFiles, errorOf } from "../helpers/functions.ts";
import { buildBusyboxImage } from "../helpers/busybox-image.ts";

let p: TestPlatform;
let stopped = false;
before(async () => {
  p = await startPlatform({ BUNBASE_WORKER_START_TIMEOUT_MS: "3000" });
  await deployFiles(
    p,
    {
      name: "faults",
      runtime: "python3.11",
      handler: "main.handler",
      memory: 256,
      timeout: 3,
      triggers: [{ type: "http", path: "/fault/:kind", methods: ["GET"] }],
    },
    { "main.py": FAULTS_PY },
  );
  await deployFiles(
    p,
    {
      name: "bystander",
      runtime: "python3.11",
      handler: "main.handler",
      triggers: [{ type: "http", path: "/ok", methods: ["GET"] }],
    },
    { "main.py": "def handler(request):\n    return 'still here'\n" },
  );
});
after(async () => {
  if (!stopped) await p?.stop();
});

const FAULTS_PY = `import os, socket, time

def connect(host, port):
    try:
        socket.create_connection((host, port), timeout=1).close()
        return {"connected": True}
    except OSError as e:
        return {"connected": False, "error": type(e).__name__, "errno": e.errno}

def handler(request):
    kind = request.path.rsplit("/", 1)[-1]
    if kind == "fork":
        while True:
            try:
                os.fork()
            except OSError:
                pass
    if kind == "memory":
        hog = bytearray(1024 * 1024 * 1024)
        return {"allocated": len(hog)}
    if kind == "tmp":
        written = 0
        try:
            with open("/tmp/big", "wb") as f:
                for _ in range(200):
                    f.write(b"x" * 1024 * 1024)
                    f.flush()
                    written += 1
        except OSError as e:
            return {"written_mb": written, "errno": e.errno}
        finally:
            if os.path.exists("/tmp/big"):
                os.remove("/tmp/big")
        return {"written_mb": written}
    if kind == "metadata":
        return connect("169.254.169.254", 80)
    if kind == "origin":
        return connect("127.0.0.1", int(request.query["port"]))
    if kind == "sleep":
        time.sleep(30)
    if kind == "exit":
        os._exit(3)
    return {"kind": kind}
`;

async function bystanderAnswers(): Promise<void> {
  const res = await p.edge("/ok");
  assert.equal(res.status, 200);
  assert.equal(await res.text(), "still here");
}

test("memory over the cap is FN_003 and the next request gets a fresh container", async () => {
  const res = await p.edge("/fault/memory");
  assert.equal(res.status, 502);
  assert.equal((await errorOf(res)).code, "FN_003");
  const next = await p.edge("/fault/hello");
  assert.equal(next.status, 200, await next.clone().text());
  await bystanderAnswers();
});

test("sleeping past the timeout is FN_002 and the container is killed", async () => {
  const started = Date.now();
  const res = await p.edge("/fault/sleep");
  assert.equal(res.status, 504);
  assert.equal((await errorOf(res)).code, "FN_002");
  assert.ok(Date.now() - started < 10_000, "answered at the 3 s timeout, not after the 30 s sleep");
  await bystanderAnswers();
});

test("a fork bomb stops at the pids limit and ends at the timeout", async () => {
  const res = await p.edge("/fault/fork");
  assert.equal(res.status, 504);
  assert.equal((await errorOf(res)).code, "FN_002");
  await bystanderAnswers();
});

test("exiting mid-request is FN_004", async () => {
  const res = await p.edge("/fault/exit");
  assert.equal(res.status, 502);
  const error = await errorOf(res);
  assert.equal(error.code, "FN_004");
  assert.match(error.message, /exited with code 3/);
  await bystanderAnswers();
});

test("a process that does not listen within the start timeout is FN_008", async () => {
  await deployFiles(
    p,
    {
      name: "slow-start",
      runtime: "python3.11",
      handler: "main.handler",
      triggers: [{ type: "http", path: "/slow", methods: ["GET"] }],
    },
    { "main.py": "import time\ntime.sleep(20)\n\ndef handler(request):\n    return 'late'\n" },
  );
  const started = Date.now();
  const res = await p.edge("/slow");
  assert.equal(res.status, 503);
  assert.equal((await errorOf(res)).code, "FN_008");
  assert.ok(Date.now() - started < 10_000);
  await bystanderAnswers();
});

test("a HEAD or a 204 answer gives its container back at once (it is not held until the timeout)", async () => {
  await deployFiles(
    p,
    {
      name: "empty-answers",
      runtime: "python3.11",
      handler: "main.handler",
      timeout: 2,
      scaling: { maxInstances: 1 },
      triggers: [{ type: "http", path: "/empty", methods: ["GET", "DELETE"] }],
    },
    { "main.py": "def handler(request):\n    return ('', 204) if request.method == 'DELETE' else 'body'\n" },
  );
  const head = await p.edge("/empty", { method: "HEAD" });
  assert.equal(head.status, 200);
  const deleted = await p.edge("/empty", { method: "DELETE" });
  assert.equal(deleted.status, 204);
  // Past the 2 s timeout: a lease held by an unread body would have had the container killed.
  await new Promise((r) => setTimeout(r, 3000));
  const after = await p.edge("/empty");
  assert.equal(after.status, 200, await after.clone().text());
  assert.equal(await after.text(), "body");
  assert.equal(after.headers.get("x-bunbase-cold-start"), "false", "the same warm container answers");
});

test("/tmp is limited: writing past it fails with ENOSPC inside", async () => {
  const res = await p.edge("/fault/tmp");
  assert.equal(res.status, 200, await res.clone().text());
  const body = (await res.json()) as { written_mb: number; errno?: number };
  assert.equal(body.errno, 28, "ENOSPC");
  assert.ok(body.written_mb < 200 && body.written_mb >= 32, `wrote ${body.written_mb} MB`);
});

test("the metadata address and the origin API's port are out of reach", async () => {
  const metadata = (await (await p.edge("/fault/metadata")).json()) as { connected: boolean };
  assert.equal(metadata.connected, false);
  const port = new URL(p.originUrl).port;
  const origin = (await (await p.edge(`/fault/origin?port=${port}`)).json()) as { connected: boolean };
  assert.equal(origin.connected, false);
});

test("scaling limits: one container at most, one request queued, the next refused with 429 FN_007", async () => {
  await deployFiles(
    p,
    {
      name: "one-at-a-time",
      runtime: "python3.11",
      handler: "main.handler",
      timeout: 10,
      scaling: { maxInstances: 1, maxConcurrency: 2 },
      triggers: [{ type: "http", path: "/one", methods: ["GET"] }],
    },
    { "main.py": "import time\n\ndef handler(request):\n    time.sleep(1.5)\n    return 'done'\n" },
  );
  const answers = await Promise.all(
    [0, 1, 2].map(async (i) => {
      await new Promise((r) => setTimeout(r, i * 100));
      const res = await p.edge("/one");
      return { status: res.status, retryAfter: res.headers.get("retry-after"), body: await res.text() };
    }),
  );
  assert.deepEqual(
    answers.map((a) => a.status),
    [200, 200, 429],
    JSON.stringify(answers),
  );
  assert.equal(answers[2].retryAfter, "1");
  assert.equal((JSON.parse(answers[2].body) as { error: { code: string } }).error.code, "FN_007");
});

test("egress: closed without vpc; through the origin's proxy and its rules with it", async () => {
  // A server on another loopback address (127.0.0.1 and localhost bypass the proxy, as NO_PROXY says).
  const server = createServer((_req, res) => res.end("host says hi"));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.2", resolve));
  const port = (server.address() as AddressInfo).port;
  try {
    const fetchPy = `import os, urllib.request

def handler(request):
    try:
        with urllib.request.urlopen("http://127.0.0.2:${port}/", timeout=3) as r:
            return {"status": r.status, "body": r.read().decode(), "proxy": os.environ.get("HTTP_PROXY")}
    except Exception as e:
        return {"error": type(e).__name__, "detail": str(e)[:200], "proxy": os.environ.get("HTTP_PROXY")}
`;
    const cases: [string, Record<string, unknown> | undefined][] = [
      ["closed", undefined],
      ["public-only", { egress: true }],
      ["private", { allowPrivateNetworks: true }],
    ];
    const results: Record<string, { status?: number; body?: string; error?: string; detail?: string; proxy?: string }> =
      {};
    for (const [label, vpc] of cases) {
      const name = `egress-${label}`;
      await deployFiles(
        p,
        {
          name,
          runtime: "python3.11",
          handler: "main.handler",
          ...(vpc ? { vpc } : {}),
          triggers: [{ type: "http", path: `/${name}`, methods: ["GET"] }],
        },
        { "main.py": fetchPy },
      );
      const res = await p.edge(`/${name}`);
      assert.equal(res.status, 200, await res.clone().text());
      results[label] = (await res.json()) as (typeof results)[string];
    }
    assert.equal(results.closed.proxy, null, "no proxy without vpc");
    assert.ok(results.closed.error, `closed: ${JSON.stringify(results.closed)}`);
    assert.match(results["public-only"].detail ?? "", /403/, `public-only: ${JSON.stringify(results["public-only"])}`);
    assert.deepEqual(
      { status: results.private.status, body: results.private.body },
      { status: 200, body: "host says hi" },
    );
  } finally {
    server.close();
  }
});

test("an image with a path-traversal or symlink-escape entry is refused with FN_005", async () => {
  const created = await p.api("/functions", { method: "POST", json: { name: "evil", runtime: "container" } });
  assert.equal(created.status, 201);
  for (const layer of [
    [{ path: "../../escape.txt", content: "x" }],
    [
      { type: "symlink" as const, path: "out", target: "../../../../../../tmp" },
      { path: "out/escape.txt", content: "x" },
    ],
  ]) {
    const image = await buildBusyboxImage({ format: "docker", extraLayers: [layer] });
    const res = await p.api("/functions/evil/deploy", {
      method: "POST",
      headers: { "content-type": "application/x-tar" },
      body: image,
    });
    assert.equal(res.status, 422, await res.clone().text());
    assert.equal((await errorOf(res)).code, "FN_005");
  }
});

test("after the platform stops, no container, runc state or cgroup is left", async () => {
  const stateDir = join(p.dataDir, "containers");
  const tag = createHash("sha256").update(stateDir).digest("hex").slice(0, 10);
  await p.stop();
  stopped = true;
  const runcRoot = join(stateDir, "runc");
  assert.deepEqual(existsSync(runcRoot) ? readdirSync(runcRoot) : [], []);
  for (const controller of ["memory", "pids", "cpu,cpuacct", "unified"]) {
    const dir = join("/sys/fs/cgroup", controller, `bunbase-${tag}`);
    const children = existsSync(dir) ? readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()) : [];
    assert.deepEqual(children, [], `${dir} holds no container cgroups`);
  }
});
