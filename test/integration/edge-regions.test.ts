/**
 * `edge.geo[].region` forwards between regions: one origin, an edge node in eu-west and
 * one in us-east, the MaxMind test database behind a trusted proxy. A GB client reaching
 * the us-east node is served by the eu-west node (which sees the client's own address);
 * a SE client is served where it arrived; a spoofed loop-guard header does not dodge the
 * forward; with the eu-west node stopped, the us-east node serves GB itself at once.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { eventually } from "../helpers/functions.ts";
import { tempDir } from "../helpers/platform.ts";
import { originApi, startFleetEdge, startFleetOrigin, type FleetEdge, type FleetOrigin } from "../helpers/fleet.ts";

const GEO_DB = fileURLToPath(new URL("../../../shared/geo/GeoIP2-City-Test.mmdb", import.meta.url));
const GB = "81.2.69.142";
const SE = "89.160.20.112";
const lines: string[] = [];
let dataDir: string;
let origin: FleetOrigin;
let eu: FleetEdge;
let us: FleetEdge;

before(async () => {
  dataDir = tempDir("bunbase-regions-");
  origin = await startFleetOrigin(dataDir, 0, { lines });
  // The us-east node sits behind a proxy on loopback; the eu-west node trusts no proxy
  // there, so it can only know a forwarded client's address from the signed forward.
  const env = (proxies: string) => ({ BUNBASE_GEOIP_DB: GEO_DB, BUNBASE_TRUSTED_PROXIES: proxies });
  [eu, us] = await Promise.all([
    startFleetEdge(origin, { name: "edge-eu-west", region: "eu-west", lines, env: env("10.0.0.0/8") }),
    startFleetEdge(origin, { name: "edge-us-east", region: "us-east", lines, env: env("127.0.0.1, ::1") }),
  ]);
  await api("/functions", {
    method: "POST",
    json: {
      name: "where",
      triggers: [{ type: "http", path: "/where", methods: ["GET", "POST"] }],
      edge: { geo: [{ countries: ["GB"], region: "eu-west" }] },
    },
  }).then(expect(201));
  const handler = `export default { async fetch(req) {
    const seen = {};
    for (const [name, value] of req.headers) if (name.startsWith("x-")) seen[name] = value;
    const body = req.method === "POST" ? await req.text() : null;
    return Response.json({ seen, body });
  } };`;
  await api("/functions/where/deploy", { method: "POST", json: { files: { "index.ts": handler } } }).then(expect(201));
  // Both nodes serve the version (a SE client is never forwarded).
  await Promise.all(
    [eu, us].map((edge) => eventually(async () => ((await get(edge, SE)).status === 200 ? true : undefined))),
  );
});

after(async () => {
  await Promise.all([eu?.stop(), us?.stop(), origin?.stop()]);
  rmSync(dataDir, { recursive: true, force: true });
});

function expect(status: number) {
  return async (res: Response) => assert.equal(res.status, status, await res.text());
}

const api = (path: string, init: RequestInit & { json?: unknown } = {}) => originApi(origin, path, init);

interface Where {
  node: string | null;
  status: number;
  seen: Record<string, string>;
  body: string | null;
}

async function get(edge: FleetEdge, client: string, init: RequestInit = {}): Promise<Where> {
  const headers = new Headers(init.headers);
  headers.set("x-forwarded-for", client);
  const res = await fetch(`${edge.url}/where`, { ...init, headers, signal: AbortSignal.timeout(10_000) });
  const json = (await res.json()) as { seen?: Record<string, string>; body?: string | null };
  return {
    node: res.headers.get("x-bunbase-edge-node"),
    status: res.status,
    seen: json.seen ?? {},
    body: json.body ?? null,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

test("a GB client at the us-east node is served by the eu-west node", async () => {
  // The us-east node learns of eu-west from the origin's push stream.
  const where = await eventually(async () => {
    const w = await get(us, GB);
    return w.node === "edge-eu-west" ? w : undefined;
  });
  assert.equal(where.status, 200);
  // The eu-west node believed the signed client address (not x-forwarded-for, whose
  // sender it does not trust) and located the client itself.
  assert.equal(where.seen["x-bunbase-country"], "GB");
  assert.equal(where.seen["x-bunbase-forwarded-by"], "edge-us-east");
  assert.equal(where.seen["x-forwarded-for"], `${GB}, 127.0.0.1`);
  assert.equal(where.seen["x-bunbase-forwarded-sig"], undefined, "the signature never reaches a handler");

  // Bodies go through too.
  const posted = await get(us, GB, { method: "POST", body: "x".repeat(200_000) });
  assert.equal(posted.node, "edge-eu-west");
  assert.equal(posted.body?.length, 200_000);

  // The us-east node counts its forwards.
  const metrics = await (await fetch(`${us.url}/__bunbase/metrics`)).text();
  const forwarded = /bunbase_edge_forwards_total\{region="eu-west",outcome="forwarded"\} (\d+)/.exec(metrics);
  assert.ok(forwarded && Number(forwarded[1]) >= 2, "bunbase_edge_forwards_total counts the forwards");

  // The eu-west node serves what reaches it itself (it does not trust this x-forwarded-for).
  const direct = await get(eu, GB);
  assert.equal(direct.node, "edge-eu-west");
  assert.equal(direct.seen["x-bunbase-country"], undefined);
});

test("a SE client is served where it arrived", async () => {
  const where = await get(us, SE);
  assert.equal(where.status, 200);
  assert.equal(where.node, "edge-us-east");
  assert.equal(where.seen["x-bunbase-forwarded-by"], undefined);
});

test("a client's own x-bunbase-forwarded-by (unsigned or badly signed) does not dodge the forward", async () => {
  const spoofed = await get(us, GB, { headers: { "x-bunbase-forwarded-by": "edge-eu-west" } });
  assert.equal(spoofed.node, "edge-eu-west");
  const forged = await get(us, GB, {
    headers: {
      "x-bunbase-forwarded-by": "edge-eu-west",
      "x-bunbase-forwarded-sig": `t=${Date.now()};client=${GB};sig=AAAA`,
    },
  });
  assert.equal(forged.node, "edge-eu-west");
  // A chain too long to be a real one is refused rather than served here (the trust-free loop guard).
  const res = await fetch(`${us.url}/where`, {
    headers: { "x-forwarded-for": GB, "x-bunbase-forwarded-by": "a, b, c, d" },
  });
  assert.equal(res.status, 508);
  assert.equal(((await res.json()) as { error: { code: string } }).error.code, "FN_006");
});

test("one forward hop adds little latency", async () => {
  const direct: number[] = [];
  const forwarded: number[] = [];
  for (let i = 0; i < 40; i++) {
    let t = performance.now();
    assert.equal((await get(eu, GB)).node, "edge-eu-west");
    direct.push(performance.now() - t);
    t = performance.now();
    assert.equal((await get(us, GB)).node, "edge-eu-west");
    forwarded.push(performance.now() - t);
  }
  const added = median(forwarded) - median(direct);
  console.log(
    `forward hop: direct p50 ${median(direct).toFixed(2)} ms, via us-east p50 ${median(forwarded).toFixed(2)} ms, ` +
      `added ${added.toFixed(2)} ms (loopback, keep-alive)`,
  );
  assert.ok(added < 50, `a hop on loopback adds ${added} ms`);
});

test("with the eu-west node stopped, the us-east node serves GB clients itself at once", async () => {
  await eu.stop();
  const started = performance.now();
  const where = await get(us, GB);
  assert.equal(where.status, 200);
  assert.equal(where.node, "edge-us-east");
  assert.equal(where.seen["x-bunbase-forwarded-by"], undefined);
  assert.ok(performance.now() - started < 3000);
  // And keeps doing so (the node is skipped, then dropped by the origin as stale).
  assert.equal((await get(us, GB)).node, "edge-us-east");
});
