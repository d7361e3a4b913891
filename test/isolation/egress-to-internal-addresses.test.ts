/**
 * Scenario: server-side request forgery from inside a function. With egress open to the
 * public internet (`vpc.egress: true`, private networks not allowed), `fetch` to loopback
 * (the edge's own internal routes, in several spellings of 127.0.0.1 and ::1), to the
 * cloud metadata address 169.254.169.254, and to the origin API's own port (the control
 * plane, by IP and by `localhost`) must reject before any connection is made. The
 * function catches the rejection and returns its message, which must say the
 * destination is not allowed.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { assertHostSurvived, deployHandler, usePlatform } from "./harness.ts";

const platform = usePlatform();

const PROBE = `
export async function handler(req: Request) {
  const target = new URL(req.url).searchParams.get("url")!;
  try {
    const res = await fetch(target, { redirect: "manual" });
    return new Response("REACHED " + res.status + " " + (await res.text()).slice(0, 200));
  } catch (error) {
    return new Response("rejected: " + String((error as any)?.message ?? error));
  }
}`;

test("fetch to loopback, link-local metadata and the control plane is not allowed", async () => {
  const { p, host } = platform();
  await deployHandler(p, "ssrf", PROBE, { vpc: { egress: true } });
  const edgePort = new URL(p.edgeUrl).port;
  const originPort = new URL(p.originUrl).port;
  const targets = [
    `http://127.0.0.1:${edgePort}/__bunbase/health`,
    `http://127.1:${edgePort}/__bunbase/health`,
    `http://2130706433:${edgePort}/__bunbase/health`,
    `http://[::1]:${edgePort}/__bunbase/health`,
    `http://[::ffff:127.0.0.1]:${edgePort}/__bunbase/health`,
    `http://0.0.0.0:${edgePort}/__bunbase/health`,
    "http://169.254.169.254/latest/meta-data/",
    "http://[fd00:ec2::254]/latest/meta-data/",
    `${p.originUrl}/functions`,
    `http://localhost:${originPort}/health`,
    `http://LOCALHOST:${originPort}/health`,
    `http://0x7f000001:${originPort}/health`,
  ];
  for (const target of targets) {
    const res = await p.edge(`/ssrf?url=${encodeURIComponent(target)}`);
    const text = await res.text();
    assert.equal(res.status, 200, `${target}: ${text}`);
    assert.doesNotMatch(text, /^REACHED/, `${target} was reached from inside a function`);
    assert.match(text, /^rejected: .*not allowed/i, `${target}: ${text}`);
    console.log(`${target} -> ${text}`);
  }
  await assertHostSurvived(p, host);
});
