import { after, before, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { SignJWT } from "jose";
import { LoginThrottle } from "./login-throttle.ts";
import { hashPassword, verifyPassword } from "./passwords.ts";
import { code, openTestData, type TestData } from "./test-store.ts";
import { deriveTokenKey, TokenSigner } from "./tokens.ts";

let t: TestData;
before(() => (t = openTestData()));
beforeEach(() => t.sink.take());
after(() => t.close());

test("scrypt hashes: salted per password, verified in constant time, malformed never matches", async () => {
  const a = await hashPassword("correct horse");
  const b = await hashPassword("correct horse");
  assert.notEqual(a, b);
  assert.match(a, /^scrypt\$32768\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
  assert.equal(await verifyPassword("correct horse", a), true);
  assert.equal(await verifyPassword("correct horsE", a), false);
  assert.equal(await verifyPassword("x", "plain"), false);
});

test("create: the password is stored hashed and never returned; duplicate email is 409 on email", async () => {
  const user = await t.data.auth.create({ email: " Ada@Example.com ", password: "s3cret-pass", displayName: "Ada" });
  assert.match(user.id, /^usr_/);
  assert.equal(user.email, "ada@example.com");
  assert.equal(user.displayName, "Ada");
  assert.equal("password" in user || "passwordHash" in user, false);
  const row = t.store.db.prepare("SELECT password_hash FROM auth_users WHERE id = ?").get(user.id) as {
    password_hash: string;
  };
  assert.ok(row.password_hash.startsWith("scrypt$") && !row.password_hash.includes("s3cret"));
  const [event] = t.sink.take();
  assert.deepEqual([event.type, event.source, event.data], ["auth.user.create", "/auth", user]);

  await assert.rejects(
    t.data.auth.create({ email: "ada@example.com", password: "another-pass" }),
    (e: unknown) => code("FN_006", 409)(e) && (e as { details: { path: string } }).details.path === "email",
  );
  await assert.rejects(t.data.auth.create({ email: "nope", password: "long-enough" }), code("FN_006"));
  await assert.rejects(t.data.auth.create({ email: "b@example.com", password: "short" }), code("FN_006"));
  await assert.rejects(
    t.data.auth.create({ email: "c@example.com", password: "long-enough", id: "x" }),
    code("FN_006"),
  );
});

test("login: a token for the user; the same 401 for a wrong password and an unknown email", async () => {
  await t.data.auth.create({ email: "grace@example.com", password: "hopper-1906" });
  t.sink.take();
  const { token, user } = await t.data.auth.login({ email: "GRACE@example.com", password: "hopper-1906" });
  assert.ok(user.lastLoginAt);
  const claims = await t.data.auth.verifyToken(`Bearer ${token}`);
  assert.equal(claims.sub, user.id);
  assert.equal(claims.iss, "bunbase");
  assert.equal(claims.exp - claims.iat, 3600);
  assert.equal((await t.data.auth.verifyToken(token)).email, "grace@example.com");
  assert.deepEqual(
    t.sink.take().map((e) => [e.type, (e.data as { id: string }).id]),
    [["auth.login", user.id]],
  );

  const wrong = await t.data.auth.login({ email: "grace@example.com", password: "wrong-pass" }).catch((e) => e);
  const unknown = await t.data.auth.login({ email: "nobody@example.com", password: "wrong-pass" }).catch((e) => e);
  for (const err of [wrong, unknown]) assert.ok(code("FN_009", 401)(err));
  assert.equal(wrong.message, unknown.message);
  assert.deepEqual(t.sink.take(), []);
});

test("verifyToken refuses missing, forged, foreign-issuer, expired and alg-none tokens with 401 FN_009", async () => {
  const master = randomBytes(32);
  const signer = new TokenSigner(deriveTokenKey(master));
  const good = await signer.sign({ id: "usr_1", email: "a@b.c" });
  assert.equal((await signer.verify(good)).sub, "usr_1");
  const other = new TokenSigner(deriveTokenKey(randomBytes(32)));
  const key = deriveTokenKey(master);
  const expired = await new SignJWT({})
    .setProtectedHeader({ alg: "HS256" })
    .setIssuer("bunbase")
    .setSubject("usr_1")
    .setExpirationTime(Math.floor(Date.now() / 1000) - 10)
    .sign(key);
  const foreign = await new SignJWT({})
    .setProtectedHeader({ alg: "HS256" })
    .setIssuer("evil")
    .setSubject("u")
    .sign(key);
  const [h, p] = good.split(".");
  const none = `${Buffer.from('{"alg":"none"}').toString("base64url")}.${p}.`;
  for (const bad of [
    undefined,
    "",
    "Bearer ",
    "garbage",
    await other.sign({ id: "u", email: "e" }),
    expired,
    foreign,
    none,
    `${h}.${p}.AAAA`,
  ])
    await assert.rejects(signer.verify(bad), code("FN_009", 401), String(bad));
  await assert.rejects(signer.verify(expired), /expired/);
});

test("delete: the user's session tokens stop verifying; its email can sign up again", async () => {
  const user = await t.data.auth.create({ email: "gone@example.com", password: "long-enough" });
  const { token } = await t.data.auth.login({ email: "gone@example.com", password: "long-enough" });
  assert.equal((await t.data.auth.verifyToken(token)).sub, user.id);
  t.data.auth.delete(user.id);
  await assert.rejects(t.data.auth.verifyToken(token), code("FN_009", 401));
  assert.throws(() => t.data.auth.delete(user.id), code("FN_001", 404));
  await t.data.auth.create({ email: "gone@example.com", password: "long-enough" });
});

test("login throttle: the 11th attempt in the window is 429 FN_007 with retry-after; a success forgives", () => {
  let now = 1_000_000;
  const throttle = new LoginThrottle({ maxFailures: 10, windowMs: 15 * 60_000, maxEmails: 2 }, () => now);
  for (let i = 0; i < 10; i++) throttle.begin("a@x");
  const err = (() => {
    try {
      throttle.begin("a@x");
    } catch (e) {
      return e as { code: string; status: number; headers: Record<string, string> };
    }
  })();
  assert.deepEqual([err?.code, err?.status, err?.headers["retry-after"]], ["FN_007", 429, "900"]);
  now += 15 * 60_000 + 1; // the oldest failures left the window
  throttle.begin("a@x");
  for (let i = 0; i < 9; i++) throttle.begin("b@x");
  throttle.succeeded("b@x");
  for (let i = 0; i < 10; i++) throttle.begin("b@x");
  assert.throws(() => throttle.begin("b@x"), code("FN_007", 429));
  // Bounded (2 emails here): a third email pushes out the least recently tried one.
  throttle.begin("c@x"); // a@x out
  for (let i = 0; i < 9; i++) throttle.begin("a@x"); // b@x out
  assert.doesNotThrow(() => throttle.begin("b@x"));
});
