/**
 * A fleet: one origin and three edge nodes in three regions, each its own process with
 * its own data dir. A deploy reaches every node within a second; `GET /nodes` shows the
 * three; with the origin killed they keep serving; restarted on the same port and data
 * dir, the nodes come back and the next deploy reaches them all again.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { eventually } from "../helpers/functions.ts";
import { runCli, tempDir } from "../helpers/platform.ts";
import { originApi, startFleetEdge, startFleetOrigin, type FleetEdge, type FleetOrigin } from "../helpers/fleet.ts";

const REGIONS = ["eu-west", "us-east", "ap-south"];
const lines: string[] = [];
let dataDir: string;
let origin: FleetOrigin;
let edges: FleetEdge[] = [];

before(async () => {
  dataDir = tempDir("bunbase-fleet-");
  origin = await startFleetOrigin(dataDir, 0, { lines });
  // One node runs as a supervised cluster, the others as single processes: both report.
  edges = await Promise.all(
    REGIONS.map((region, i) =>
      startFleetEdge(origin, { name: `edge-${region}`, region, workers: i === 0 ? 2 : 1, lines }),
    ),
  );
});

after(async () => {
  await Promise.all([...edges.map((e) => e.stop()), origin?.stop()]);
  rmSync(dataDir, { recursive: true, force: true });
});

interface NodeView {
  name: string;
  region: string;
  url: string;
  revision: number;
  behind: number;
  health: string;
  workers: number;
  lastSeen: string;
  uptimeSeconds: number;
}

const api = (path: string, init: RequestInit & { json?: unknown } = {}) => originApi(origin, path, init);

/** Deploys `fleet` answering `label`; resolves at the API's 201 with that moment. */
async function deploy(label: string): Promise<{ version: number; at: number }> {
  const res = await api("/functions/fleet/deploy", {
    method: "POST",
    json: { files: { "index.ts": `export default { fetch: () => new Response(${JSON.stringify(label)}) };` } },
  });
  const at = performance.now();
  const text = await res.text();
  assert.equal(res.status, 201, text);
  return { version: (JSON.parse(text) as { version: number }).version, at };
}

/** Polls every node until it answers `label`; the ms each took from `since`. */
async function propagation(label: string, since: number, timeoutMs: number): Promise<number[]> {
  return Promise.all(
    edges.map(async (edge) => {
      for (;;) {
        const res = await fetch(`${edge.url}/fleet`, { signal: AbortSignal.timeout(5000) }).catch(() => undefined);
        const text = res ? await res.text() : "";
        const elapsed = performance.now() - since;
        if (res?.status === 200 && text === label) return elapsed;
        if (elapsed > timeoutMs)
          throw new Error(`${edge.name} still answers ${res?.status} ${text} after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 2));
      }
    }),
  );
}

function report(what: string, ms: number[]): void {
  const cells = edges.map((e, i) => `${e.region} ${ms[i].toFixed(1)} ms`).join(", ");
  console.log(`deploy propagation (${what}): all 3 nodes in ${Math.max(...ms).toFixed(1)} ms (${cells})`);
}

async function nodes(): Promise<{ revision: number; nodes: NodeView[] }> {
  const res = await api("/nodes");
  assert.equal(res.status, 200);
  return (await res.json()) as { revision: number; nodes: NodeView[] };
}

/** Resolves once `GET /nodes` shows all three healthy on the origin's current revision, reported since `since`. */
function fleetHealthy(timeoutMs: number, since = 0): Promise<{ revision: number; nodes: NodeView[] }> {
  return eventually(async () => {
    const body = await nodes();
    const ours = body.nodes.filter((n) => edges.some((e) => e.name === n.name));
    const fresh = ours.every(
      (n) => n.health === "healthy" && n.revision === body.revision && Date.parse(n.lastSeen) >= since,
    );
    return ours.length === 3 && fresh ? body : undefined;
  }, timeoutMs);
}

test("a deploy reaches three edge nodes within a second, and GET /nodes lists them", async () => {
  const created = await api("/functions", {
    method: "POST",
    json: { name: "fleet", triggers: [{ type: "http", path: "/fleet" }] },
  });
  assert.equal(created.status, 201, await created.text());
  // A first deploy warms the path (bundle fetch, first isolate) on every node.
  const first = await deploy("v1");
  await propagation("v1", first.at, 10_000);

  const { at } = await deploy("v2");
  const ms = await propagation("v2", at, 5000);
  report("v2", ms);
  assert.ok(Math.max(...ms) < 1000, `propagation took ${Math.max(...ms).toFixed(1)} ms`);

  const body = await fleetHealthy(10_000);
  const listed = new Map(body.nodes.map((n) => [n.name, n]));
  for (const edge of edges) {
    const n = listed.get(edge.name);
    assert.ok(n, `${edge.name} is not listed`);
    assert.equal(n.region, edge.region);
    assert.equal(n.url, edge.url);
    assert.equal(n.behind, 0);
    assert.ok(n.uptimeSeconds >= 0);
    assert.ok(Date.now() - Date.parse(n.lastSeen) < 15_000);
  }
  assert.equal(listed.get("edge-eu-west")?.workers, 2, "a cluster reports once, for all its workers");
  assert.equal(listed.get("edge-us-east")?.workers, 1);

  const env = { BUNBASE_API_URL: origin.url, BUNBASE_API_KEY: origin.adminKey };
  const json = await runCli(["nodes", "--json"], { env });
  assert.equal(json.code, 0, json.stderr);
  const fromCli = JSON.parse(json.stdout) as { revision: number; nodes: NodeView[] };
  assert.deepEqual(fromCli.nodes.map((n) => n.region).sort(), [...REGIONS].sort());
  const human = await runCli(["nodes"], { env });
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /^origin revision \d+\nNAME +REGION +URL +REVISION +HEALTH +WORKERS +LAST SEEN +UPTIME\n/);
  for (const edge of edges)
    assert.match(human.stdout, new RegExp(`${edge.name} +${edge.region} +${edge.url} +\\d+ +healthy`));
});

test("a function placed on the origin answers through every node (origin fallback)", async () => {
  const created = await api("/functions", {
    method: "POST",
    json: {
      name: "fleet-py",
      runtime: "python3.11",
      handler: "main.handler",
      triggers: [{ type: "http", path: "/fleet-py", methods: ["GET"] }],
    },
  });
  assert.equal(created.status, 201, await created.text());
  const res = await api("/functions/fleet-py/deploy", {
    method: "POST",
    json: { files: { "main.py": "def handler(request):\n    return 'from the origin'\n" } },
  });
  assert.equal(res.status, 201, await res.text());
  for (const edge of edges) {
    const answer = await eventually(async () => {
      const r = await fetch(`${edge.url}/fleet-py`);
      return r.status === 404 ? (await r.body?.cancel(), undefined) : r;
    });
    assert.equal(answer.status, 200, `${edge.name}: ${await answer.clone().text()}`);
    assert.equal(await answer.text(), "from the origin");
    assert.equal(answer.headers.get("x-bunbase-edge-node"), edge.name);
  }
});

test("with the origin killed the nodes keep serving; restarted, they reconnect and take the next deploy", async () => {
  const port = Number(new URL(origin.url).port);
  await origin.kill();
  await new Promise((r) => setTimeout(r, 500));
  for (const edge of edges) {
    const res = await fetch(`${edge.url}/fleet`, { signal: AbortSignal.timeout(5000) });
    assert.equal(res.status, 200, `${edge.name} while the origin is down`);
    assert.equal(await res.text(), "v2");
    // An origin-placed function has nowhere to run: the contract's 502, at once.
    const forwarded = await fetch(`${edge.url}/fleet-py`, { signal: AbortSignal.timeout(5000) });
    assert.equal(forwarded.status, 502);
    assert.equal(((await forwarded.json()) as { error: { code: string } }).error.code, "FN_004");
  }

  const restartedAt = Date.now();
  origin = await startFleetOrigin(dataDir, port, { lines });
  assert.equal(Number(new URL(origin.url).port), port);
  await fleetHealthy(15_000, restartedAt);
  console.log(`nodes reporting again ${Date.now() - restartedAt} ms after the origin's restart began`);

  const { at } = await deploy("v3");
  const ms = await propagation("v3", at, 10_000);
  report("v3, after the origin restart", ms);
});
