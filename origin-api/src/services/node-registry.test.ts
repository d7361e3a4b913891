import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../../../core/index.ts";
import { createApp } from "../app.ts";
import { Store } from "../store/index.ts";
import { createServices, Runner, type Services } from "./index.ts";
import { NODE_DROP_MS, NODE_STALE_MS, NodeRegistry } from "./node-registry.ts";

let dir: string;
let store: Store;
let s: Services;
before(() => {
  dir = mkdtempSync(join(tmpdir(), "bunbase-nodes-"));
  store = Store.open(dir);
  const log = createLogger("test");
  s = createServices({
    store,
    masterKey: randomBytes(32),
    dataDir: dir,
    log,
    builder: () => {
      throw new Error("no builds here");
    },
    runner: new Runner({ nodeKey: "", dataDir: dir, log }),
  });
});
after(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const report = (revision: number, region = "eu-west") => ({
  region,
  url: "http://10.0.0.5:8787",
  revision,
  startedAt: "2026-01-01T00:00:00.000Z",
  workers: 4,
});

test("a node is healthy while it reports, stale after the timeout, gone after the longer one", () => {
  let now = Date.parse("2026-01-01T00:01:40.000Z");
  const nodes = new NodeRegistry(store, s.bus, { now: () => now });
  assert.deepEqual(nodes.report("edge-a", report(s.bus.revision)), { revision: s.bus.revision });
  let [a] = nodes.list().nodes.filter((n) => n.name === "edge-a");
  assert.equal(a.health, "healthy");
  assert.equal(a.behind, 0);
  assert.equal(a.uptimeSeconds, 100);
  assert.equal(a.lastSeen, "2026-01-01T00:01:40.000Z");
  assert.equal(a.workers, 4);

  now += NODE_STALE_MS + 1;
  [a] = nodes.list().nodes.filter((n) => n.name === "edge-a");
  assert.equal(a.health, "stale");
  assert.equal(a.uptimeSeconds, 100, "uptime as of the last report");

  now += NODE_DROP_MS;
  assert.equal(
    nodes.list().nodes.find((n) => n.name === "edge-a"),
    undefined,
  );
});

test("a node on an older revision is syncing, and says how far behind it is", () => {
  const nodes = new NodeRegistry(store, s.bus);
  s.bus.announce(s.bus.revision + 2);
  nodes.report("edge-b", report(s.bus.revision - 2));
  const b = nodes.list().nodes.find((n) => n.name === "edge-b");
  assert.equal(b?.health, "syncing");
  assert.equal(b?.behind, 2);
});

test("reports are validated, naming the field", () => {
  const nodes = new NodeRegistry(store, s.bus);
  assert.throws(() => nodes.report("bad name!", report(1)), { code: "FN_006" });
  assert.throws(
    () => nodes.report("edge-c", { ...report(1), url: "ftp://x" }),
    (err: Error & { details?: object }) => {
      assert.deepEqual(err.details, { path: "url" });
      return true;
    },
  );
  assert.throws(() => nodes.report("edge-c", { ...report(1), revision: -1 }), { code: "FN_006" });
});

test("GET /nodes takes a viewer key, not a node key; PUT /internal/nodes/:name takes a node key", async () => {
  const app = createApp(s);
  const viewer = s.keys.create("viewer", "viewer").key;
  const node = s.keys.create("node", "node").key;
  const put = await app.request("/internal/nodes/edge-d", {
    method: "PUT",
    headers: { authorization: `Bearer ${node}`, "content-type": "application/json" },
    body: JSON.stringify(report(s.bus.revision, "ap-south")),
  });
  assert.equal(put.status, 200);
  assert.deepEqual(await put.json(), { revision: s.bus.revision });

  const denied = await app.request("/nodes", { headers: { authorization: `Bearer ${node}` } });
  assert.equal(denied.status, 403);
  const listed = await app.request("/nodes", { headers: { authorization: `Bearer ${viewer}` } });
  assert.equal(listed.status, 200);
  const body = (await listed.json()) as { revision: number; nodes: { name: string; region: string; health: string }[] };
  assert.equal(body.revision, s.bus.revision);
  const d = body.nodes.find((n) => n.name === "edge-d");
  assert.deepEqual([d?.region, d?.health], ["ap-south", "healthy"]);
});

test("peers are the live nodes, syncing ones included; a change is announced, a node going stale too", async () => {
  let now = Date.parse("2026-02-01T00:00:00.000Z");
  const nodes = new NodeRegistry(store, s.bus, { now: () => now });
  const seen: string[][] = [];
  const stop = nodes.onPeers((peers) => seen.push(peers.filter((p) => p.name.startsWith("peer-")).map((p) => p.name)));
  nodes.report("peer-a", report(s.bus.revision, "eu-west"));
  nodes.report("peer-b", report(s.bus.revision - 1, "us-east"));
  nodes.report("peer-a", report(s.bus.revision, "eu-west")); // no change: no event
  assert.deepEqual(seen, [["peer-a"], ["peer-a", "peer-b"]]);
  const b = nodes.peers().find((p) => p.name === "peer-b");
  assert.deepEqual(b, { name: "peer-b", region: "us-east", url: "http://10.0.0.5:8787" });

  now += NODE_STALE_MS - 1000;
  nodes.report("peer-b", report(s.bus.revision, "us-east"));
  now += 2000; // peer-a is stale now; the once-a-second check announces it
  await new Promise((r) => setTimeout(r, 1100));
  stop();
  assert.deepEqual(seen.at(-1), ["peer-b"]);
});
