/**
 * Geo at the edge with the real MaxMind test databases (../shared/geo): the contract's
 * x-bunbase-* geo headers and ctx.geo, the client address taken from x-forwarded-for only
 * behind a trusted proxy, spoofed geo headers dropped, `edge.geo` rules, and a corrupt
 * database refused at start with the file named.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { spawnNode } from "../../core/index.ts";
import { startPlatform, type TestPlatform } from "../helpers/platform.ts";
import { deployFiles, errorOf } from "../helpers/functions.ts";

const shared = (name: string) => fileURLToPath(new URL(`../../../shared/geo/${name}`, import.meta.url));

let p: TestPlatform;
before(async () => {
  p = await startPlatform({
    BUNBASE_GEOIP_DB: shared("GeoIP2-City-Test.mmdb"),
    BUNBASE_GEOIP_ASN_DB: shared("GeoLite2-ASN-Test.mmdb"),
    BUNBASE_TRUSTED_PROXIES: "127.0.0.1, ::1",
  });
  await deployFiles(
    p,
    { name: "where", triggers: [{ type: "http", path: "/where" }] },
    {
      "index.ts": `export async function handler(req, ctx) {
        const headers = {};
        for (const [name, value] of req.headers) if (name.startsWith("x-bunbase-")) headers[name] = value;
        return Response.json({ geo: ctx.geo, headers });
      }`,
    },
  );
  await deployFiles(
    p,
    {
      name: "shop",
      triggers: [{ type: "http", path: "/shop/*" }],
      edge: {
        geo: [
          { countries: ["CN"], block: true },
          { countries: ["SE"], destination: "/shop/se/:path*" },
        ],
      },
    },
    { "index.ts": `export default { fetch: (req) => new Response(new URL(req.url).pathname) };` },
  );
});
after(async () => {
  await p?.stop();
});

const from = (ip: string, headers: Record<string, string> = {}) => ({ headers: { "x-forwarded-for": ip, ...headers } });

describe("geo at the edge", () => {
  it("locates the client behind a trusted proxy: headers and ctx.geo", async () => {
    const res = await p.edge("/where", from("81.2.69.142"));
    assert.equal(res.status, 200);
    const { geo, headers } = (await res.json()) as { geo: Record<string, unknown>; headers: Record<string, string> };
    assert.equal(geo.country, "GB");
    assert.equal(geo.city, "London");
    assert.equal(geo.continent, "EU");
    assert.equal(headers["x-bunbase-country"], "GB");
    assert.equal(headers["x-bunbase-city"], "London");
    assert.ok(headers["x-bunbase-latitude"] && headers["x-bunbase-longitude"]);
  });

  it("locates IPv6 clients and carries the ASN database's number", async () => {
    const v6 = (await (await p.edge("/where", from("2001:218::1"))).json()) as { geo: Record<string, unknown> };
    assert.equal(v6.geo.country, "JP");
    const asn = (await (await p.edge("/where", from("89.160.20.112"))).json()) as {
      geo: Record<string, unknown>;
      headers: Record<string, string>;
    };
    assert.equal(asn.geo.country, "SE");
    assert.equal(asn.headers["x-bunbase-city"], "Link%C3%B6ping");
    assert.equal(asn.headers["x-bunbase-asn"], String(asn.geo.asn));
    assert.ok(Number(asn.geo.asn) > 0);
  });

  it("drops geo and A/B headers a client sends itself", async () => {
    const res = await p.edge("/where", {
      headers: { "x-bunbase-country": "XX", "x-bunbase-city": "Nowhere", "x-bunbase-ab-checkout": "b" },
    });
    const { geo, headers } = (await res.json()) as { geo: unknown; headers: Record<string, string> };
    assert.equal(headers["x-bunbase-country"], undefined, "loopback is not in the database");
    assert.equal(headers["x-bunbase-city"], undefined);
    assert.equal(headers["x-bunbase-ab-checkout"], undefined);
    assert.equal((geo as { country: unknown } | null)?.country ?? null, null);
  });

  it("applies edge.geo rules: block and rewrite by country", async () => {
    const blocked = await p.edge("/shop/item", from("175.16.199.1"));
    assert.equal(blocked.status, 403);
    assert.equal((await errorOf(blocked)).code, "FN_009");
    const rewritten = await p.edge("/shop/item?x=1", from("89.160.20.112"));
    assert.equal(await rewritten.text(), "/shop/se/shop/item");
    const other = await p.edge("/shop/item", from("81.2.69.142"));
    assert.equal(await other.text(), "/shop/item");
  });
});

describe("geo settings", () => {
  it("a corrupt database stops the edge at start with the file named", async () => {
    const child = spawnNode(fileURLToPath(new URL("../../edge-node/main.ts", import.meta.url)), [], {
      env: {
        ...process.env,
        BUNBASE_EDGE_WORKERS: "1",
        BUNBASE_API_URL: "http://127.0.0.1:9",
        BUNBASE_API_KEY: "not-needed",
        EDGE_PORT: "0",
        BUNBASE_GEOIP_DB: shared("GeoIP2-City-Test-Invalid-Node-Count.mmdb"),
      },
    });
    let output = "";
    child.stdout?.on("data", (c: Buffer) => (output += c.toString()));
    child.stderr?.on("data", (c: Buffer) => (output += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    assert.equal(code, 1);
    assert.match(output, /BUNBASE_GEOIP_DB/);
    assert.match(output, /GeoIP2-City-Test-Invalid-Node-Count\.mmdb/);
  });
});
