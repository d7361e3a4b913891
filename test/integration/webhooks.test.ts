/**
 * Webhook triggers through the real processes: signatures computed here for each scheme
 * (GitHub, Stripe, generic HMAC-SHA256), sent to the origin's `/webhooks<path>` with no
 * API key and to the edge node's public path, which forwards them to the origin.
 */
import assert from "node:assert/strict";
import { createHmac, randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import { deployFiles, errorOf } from "../helpers/functions.ts";
import { startPlatform, type TestPlatform } from "../helpers/platform.ts";

const SECRETS = { github: "gh-secret-1", stripe: "whsec_stripe_2", "hmac-sha256": "generic-secret-3" } as const;
type Scheme = keyof typeof SECRETS;
const SCHEMES = Object.keys(SECRETS) as Scheme[];

const HANDLER = `export async function handler() { return new Response("ok"); }`;

let p: TestPlatform;
before(async () => {
  p = await startPlatform();
  const secret = await p.api("/secrets", { method: "POST", json: { name: "STRIPE_WHSEC", value: SECRETS.stripe } });
  assert.equal(secret.status, 201, await secret.text());
  const triggers = [
    { type: "http", path: "/hooks-fn" },
    { type: "webhook", path: "/hooks/github", scheme: "github", secret: SECRETS.github },
    { type: "webhook", path: "/hooks/stripe", scheme: "stripe", secret: "${secrets.STRIPE_WHSEC}" },
    { type: "webhook", path: "/hooks/generic/:tenant", scheme: "hmac-sha256", secret: SECRETS["hmac-sha256"] },
  ];
  // Deployed: the edge's snapshot lists only functions with a version.
  await deployFiles(p, { name: "hooks", runtime: "nodejs20", triggers }, { "index.ts": HANDLER });
});
after(async () => {
  await p?.stop();
});

const hmac = (secret: string, data: string) => createHmac("sha256", secret).update(data).digest("hex");
const PATHS: Record<Scheme, string> = {
  github: "/hooks/github",
  stripe: "/hooks/stripe",
  "hmac-sha256": "/hooks/generic/acme",
};

/** A signed delivery of `scheme`, as the sender would make it. */
function signed(scheme: Scheme, o: { secret?: string; ageSeconds?: number; id?: string } = {}) {
  const secret = o.secret ?? SECRETS[scheme];
  const id = o.id ?? randomUUID();
  const body = JSON.stringify({ id: `evt_${id}`, action: "opened" });
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (scheme === "github") {
    headers["x-hub-signature-256"] = `sha256=${hmac(secret, body)}`;
    headers["x-github-delivery"] = id;
    headers["x-github-event"] = "issues";
  } else if (scheme === "stripe") {
    const t = Math.floor(Date.now() / 1000) - (o.ageSeconds ?? 0);
    headers["stripe-signature"] =
      `t=${t},v1=${hmac("rolled-old-secret", `${t}.${body}`)},v1=${hmac(secret, `${t}.${body}`)}`;
  } else {
    headers["x-signature-256"] = `sha256=${hmac(secret, body)}`;
  }
  return { method: "POST", headers, body };
}

const viaOrigin = (path: string, init: RequestInit) => fetch(`${p.originUrl}/webhooks${path}`, init);
const viaEdge = (path: string, init: RequestInit) => p.edge(path, init);

for (const scheme of SCHEMES) {
  test(`${scheme}: valid 202, replay 200 duplicate, wrong secret 401 FN_009 (origin, no API key)`, async () => {
    const delivery = signed(scheme);
    const first = await viaOrigin(PATHS[scheme], delivery);
    assert.equal(first.status, 202);
    const accepted = (await first.json()) as { eventId: string; duplicate: boolean };
    assert.equal(accepted.duplicate, false);
    assert.match(accepted.eventId, /^evt/);

    const replay = await viaOrigin(PATHS[scheme], delivery);
    assert.equal(replay.status, 200);
    assert.deepEqual(await replay.json(), { eventId: accepted.eventId, duplicate: true });

    const wrong = await viaOrigin(PATHS[scheme], signed(scheme, { secret: "not-the-secret" }));
    assert.equal(wrong.status, 401);
    const error = await errorOf(wrong);
    assert.equal(error.code, "FN_009");

    const unsigned = await viaOrigin(PATHS[scheme], { method: "POST", body: "{}" });
    assert.equal(unsigned.status, 401);
    await unsigned.body?.cancel();
  });

  test(`${scheme}: through the edge node's public path`, async () => {
    const delivery = signed(scheme);
    const first = await viaEdge(PATHS[scheme], delivery);
    assert.equal(first.status, 202, await first.clone().text());
    assert.ok(first.headers.get("x-bunbase-edge-node"));
    const { eventId } = (await first.json()) as { eventId: string };
    const replay = await viaEdge(PATHS[scheme], delivery);
    assert.deepEqual(await replay.json(), { eventId, duplicate: true });
    const wrong = await viaEdge(PATHS[scheme], signed(scheme, { secret: "nope" }));
    assert.equal(wrong.status, 401);
    assert.equal((await errorOf(wrong)).code, "FN_009");
  });
}

test("stripe: a timestamp older than 5 minutes is 401 even with a valid signature", async () => {
  const stale = await viaOrigin(PATHS.stripe, signed("stripe", { ageSeconds: 301 }));
  assert.equal(stale.status, 401);
  const error = await errorOf(stale);
  assert.equal(error.code, "FN_009");
  assert.equal(error.details?.reason, "timestamp outside the tolerance");
  const fresh = await viaOrigin(PATHS.stripe, signed("stripe", { ageSeconds: 200 }));
  assert.equal(fresh.status, 202);
});

test("a stripe retry of the same event (new timestamp and signature) is queued once", async () => {
  const id = randomUUID();
  const first = await viaOrigin(PATHS.stripe, signed("stripe", { id, ageSeconds: 30 }));
  assert.equal(first.status, 202);
  const retry = await viaOrigin(PATHS.stripe, signed("stripe", { id }));
  assert.equal(retry.status, 200);
  assert.equal(((await retry.json()) as { duplicate: boolean }).duplicate, true);
});

test("unknown paths are 404 FN_001; other methods 405; other origin routes still need a key", async () => {
  const none = await viaOrigin("/hooks/nothing", signed("github"));
  assert.equal(none.status, 404);
  assert.equal((await errorOf(none)).code, "FN_001");
  const get = await viaOrigin(PATHS.github, { method: "GET" });
  assert.equal(get.status, 405);
  await get.body?.cancel();
  const keyless = await fetch(`${p.originUrl}/functions/hooks`);
  assert.equal(keyless.status, 401);
  await keyless.body?.cancel();
  // On the edge, an HTTP trigger's path is not a webhook: it is never forwarded to /webhooks.
  const edgeNone = await viaEdge("/hooks/nothing", signed("github"));
  assert.equal(edgeNone.status, 404);
  await edgeNone.body?.cancel();
});

test("a webhook trigger is checked when its config is saved: its path is its own, its secret exists", async () => {
  const taken = await p.api("/functions", {
    method: "POST",
    json: { name: "hooks-copy", triggers: [{ type: "webhook", path: "/hooks/github", scheme: "github", secret: "x" }] },
  });
  assert.equal(taken.status, 400);
  const clash = (await taken.json()) as { error: { code: string; details: { path: string; conflictsWith: string } } };
  assert.deepEqual(
    [clash.error.code, clash.error.details.path, clash.error.details.conflictsWith],
    ["FN_006", "triggers[0].path", "hooks"],
  );
  const unknown = await p.api("/functions", {
    method: "POST",
    json: {
      name: "hooks-nosecret",
      triggers: [{ type: "webhook", path: "/hooks/other", scheme: "github", secret: "${secrets.NOT_SET}" }],
    },
  });
  assert.equal(unknown.status, 400);
  const missing = (await unknown.json()) as { error: { code: string; details: { path: string } } };
  assert.deepEqual([missing.error.code, missing.error.details.path], ["FN_006", "triggers[0].secret"]);
});
