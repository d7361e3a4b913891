import { test } from "node:test";
import assert from "node:assert/strict";
import { hmacHex, verifySignature, type SignedRequest } from "./webhook-signatures.ts";

const SECRET = "whsec_test_0123456789";
const BODY = Buffer.from(JSON.stringify({ id: "evt_123", type: "invoice.paid" }));
const NOW = Date.parse("2024-05-01T10:00:00Z");
const T = NOW / 1000;

function request(headers: Record<string, string>, body = BODY): SignedRequest {
  return { header: (name) => headers[name], body };
}

test("github: sha256=<hmac of the body> passes; the delivery GUID is the replay key", () => {
  const sig = `sha256=${hmacHex(SECRET, BODY)}`;
  const ok = verifySignature("github", SECRET, request({ "x-hub-signature-256": sig, "x-github-delivery": "d-1" }));
  assert.deepEqual(ok, { ok: true, deliveryKey: "github-delivery:d-1" });
  // The same delivery sent again gives the same key: the receiver queues it once.
  const again = verifySignature("github", SECRET, request({ "x-hub-signature-256": sig, "x-github-delivery": "d-1" }));
  assert.deepEqual(again, ok);
  const noGuid = verifySignature("github", SECRET, request({ "x-hub-signature-256": sig }));
  assert.deepEqual(noGuid, { ok: true, deliveryKey: `signature:${hmacHex(SECRET, BODY)}` });
});

test("github: a wrong secret, a changed body, a missing or malformed header fail", () => {
  const wrong = `sha256=${hmacHex("other", BODY)}`;
  assert.equal(verifySignature("github", SECRET, request({ "x-hub-signature-256": wrong })).ok, false);
  const sig = `sha256=${hmacHex(SECRET, BODY)}`;
  assert.equal(verifySignature("github", SECRET, request({ "x-hub-signature-256": sig }, Buffer.from("{}"))).ok, false);
  assert.equal(verifySignature("github", SECRET, request({})).ok, false);
  assert.equal(verifySignature("github", SECRET, request({ "x-hub-signature-256": "sha256=zz" })).ok, false);
  assert.equal(verifySignature("github", SECRET, request({ "x-hub-signature-256": "sha1=abc" })).ok, false);
});

function stripeHeader(t: number, ...secrets: string[]): string {
  const signed = Buffer.concat([Buffer.from(`${t}.`), BODY]);
  return [`t=${t}`, ...secrets.map((s) => `v1=${hmacHex(s, signed)}`)].join(",");
}

test("stripe: t and v1 over `t.body` pass within the tolerance; the event id is the replay key", () => {
  const header = stripeHeader(T - 60, SECRET);
  const ok = verifySignature("stripe", SECRET, request({ "stripe-signature": header }), { nowMs: NOW });
  assert.deepEqual(ok, { ok: true, deliveryKey: "stripe-event:evt_123" });
  // A retry of the event (new timestamp and signature) is still the same delivery.
  const retry = verifySignature("stripe", SECRET, request({ "stripe-signature": stripeHeader(T, SECRET) }), {
    nowMs: NOW,
  });
  assert.deepEqual(retry, ok);
});

test("stripe: several v1 values (a secret being rolled): any match passes", () => {
  const header = `${stripeHeader(T, "old-secret", SECRET)},v0=ignored`;
  assert.equal(verifySignature("stripe", SECRET, request({ "stripe-signature": header }), { nowMs: NOW }).ok, true);
  const none = stripeHeader(T, "old-secret", "other");
  assert.equal(verifySignature("stripe", SECRET, request({ "stripe-signature": none }), { nowMs: NOW }).ok, false);
});

test("stripe: a stale (or future) timestamp, a wrong secret, a malformed header fail", () => {
  const stale = verifySignature("stripe", SECRET, request({ "stripe-signature": stripeHeader(T - 301, SECRET) }), {
    nowMs: NOW,
  });
  assert.deepEqual(stale, { ok: false, reason: "timestamp outside the tolerance" });
  const future = stripeHeader(T + 301, SECRET);
  assert.equal(verifySignature("stripe", SECRET, request({ "stripe-signature": future }), { nowMs: NOW }).ok, false);
  const wrong = stripeHeader(T, "other");
  assert.equal(verifySignature("stripe", SECRET, request({ "stripe-signature": wrong }), { nowMs: NOW }).ok, false);
  for (const bad of ["", "t=abc,v1=00", `t=${T}`, `v1=${hmacHex(SECRET, BODY)}`]) {
    assert.equal(verifySignature("stripe", SECRET, request({ "stripe-signature": bad }), { nowMs: NOW }).ok, false);
  }
});

test("hmac-sha256: x-signature-256 or x-bunbase-signature; the signature is the replay key", () => {
  const hex = hmacHex(SECRET, BODY);
  for (const name of ["x-signature-256", "x-bunbase-signature"]) {
    const ok = verifySignature("hmac-sha256", SECRET, request({ [name]: `sha256=${hex}` }));
    assert.deepEqual(ok, { ok: true, deliveryKey: `signature:${hex}` });
  }
  assert.equal(verifySignature("hmac-sha256", SECRET, request({ "x-signature-256": hex.toUpperCase() })).ok, true);
  const wrong = `sha256=${hmacHex("other", BODY)}`;
  assert.equal(verifySignature("hmac-sha256", SECRET, request({ "x-signature-256": wrong })).ok, false);
  assert.equal(verifySignature("hmac-sha256", SECRET, request({})).ok, false);
});
