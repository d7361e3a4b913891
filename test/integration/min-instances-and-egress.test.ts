/**
 * Config that the edge applies live: `scaling.minInstances` keeps an instance loaded
 * before the first request, and `vpc` opens fetch egress (private networks included)
 * only for the function that asks for it.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { startPlatform, type TestPlatform } from "../helpers/platform.ts";
import { deployFiles, eventually } from "../helpers/functions.ts";

let p: TestPlatform;
let upstream: Server;
let upstreamUrl: string;
before(async () => {
  p = await startPlatform({ BUNBASE_EDGE_WORKERS: "1" });
  upstream = createServer((req, res) => res.end(`upstream saw ${req.method} ${req.url}`));
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
});
after(async () => {
  await p?.stop();
  upstream?.close();
});

test("scaling.minInstances: the instance is loaded before the first request", async () => {
  await deployFiles(
    p,
    { name: "warm", scaling: { minInstances: 1 }, triggers: [{ type: "http", path: "/warm" }] },
    {
      "index.ts": `export function handler() { return new Response("warm"); }`,
    },
  );
  await eventually(async () => {
    const health = (await (await p.edge("/__bunbase/health")).json()) as { isolates: { instances: number } };
    return health.isolates.instances >= 1 ? true : undefined;
  });
  const first = await p.edge("/warm");
  assert.equal(await first.text(), "warm");
  assert.equal(first.headers.get("x-bunbase-cold-start"), "false");
});

test("vpc: fetch to a private address works only with allowPrivateNetworks", async () => {
  const code = `export async function handler() {
    try {
      const res = await fetch(${JSON.stringify(upstreamUrl)} + "/ping?x=1");
      return new Response(await res.text());
    } catch (err) {
      return new Response("refused: " + (err as Error).message, { status: 451 });
    }
  }`;
  await deployFiles(
    p,
    { name: "open", vpc: { allowPrivateNetworks: true }, triggers: [{ type: "http", path: "/open" }] },
    {
      "index.ts": code,
    },
  );
  await deployFiles(p, { name: "closed", triggers: [{ type: "http", path: "/closed" }] }, { "index.ts": code });
  const open = await p.edge("/open");
  assert.equal(await open.text(), "upstream saw GET /ping?x=1");
  const closed = await p.edge("/closed");
  assert.equal(closed.status, 451);
  assert.match(await closed.text(), /refused: fetch to 127\.0\.0\.1 is not allowed/);
});
