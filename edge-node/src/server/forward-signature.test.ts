import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { signForward, verifyForward } from "./forward-signature.ts";

const key = randomBytes(32).toString("base64url");
const claim = { by: "edge-us-east", client: "81.2.69.142", method: "GET", path: "/where?x=1" };
const { client, ...rest } = claim;

test("a signature made with the fleet key vouches for the client address", () => {
  const now = Date.now();
  assert.equal(verifyForward(key, signForward(key, claim, now), rest, now + 1000), client);
  assert.equal(
    verifyForward(key, signForward(key, { ...claim, client: "2001:db8::1" }, now), rest, now),
    "2001:db8::1",
  );
});

test("another key, another request, an old or a forged signature vouch for nothing", () => {
  const now = Date.now();
  const sig = signForward(key, claim, now);
  assert.equal(verifyForward(randomBytes(32).toString("base64url"), sig, rest, now), null);
  assert.equal(verifyForward(key, sig, { ...rest, path: "/other" }, now), null);
  assert.equal(verifyForward(key, sig, { ...rest, method: "POST" }, now), null);
  assert.equal(verifyForward(key, sig, { ...rest, by: "edge-x, edge-us-east" }, now), null);
  assert.equal(verifyForward(key, sig, rest, now + 31_000), null);
  assert.equal(verifyForward(key, sig.replace(client, "203.0.113.1"), rest, now), null);
  assert.equal(verifyForward(key, `t=${now};client=${client};sig=AAAA`, rest, now), null);
  assert.equal(verifyForward(key, "garbage", rest, now), null);
  assert.equal(verifyForward(key, undefined, rest, now), null);
});
