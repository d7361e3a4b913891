/**
 * The `auth` admin API and the `public` key through the real origin: list with cursor and
 * email filter, get, update, delete (its tokens stop verifying), never a password hash;
 * a public key that may sign up and log in and nothing else, created with the real CLI;
 * and the login brute-force limit hit for real.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { json, startPlatform, type TestPlatform } from "../helpers/platform.ts";
import { errorOf } from "../helpers/functions.ts";

let p: TestPlatform;
before(async () => {
  p = await startPlatform();
});
after(async () => {
  await p?.stop();
});

type User = { id: string; email: string; updatedAt: string } & Record<string, unknown>;

const signup = async (email: string, extra: Record<string, unknown> = {}) =>
  json<User>(await p.api("/auth/users", { method: "POST", json: { email, password: "long-enough-1", ...extra } }), 201);

test("list pages through users in creation order with a cursor; email finds one; bad input names its field", async () => {
  const made: User[] = [];
  for (const n of [1, 2, 3, 4, 5]) made.push(await signup(`list${n}@example.com`, { n }));
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const page: { users: User[]; nextCursor: string | null } = await json(
      await p.api(`/auth/users?limit=2${cursor ? `&cursor=${cursor}` : ""}`),
      200,
    );
    assert.ok(page.users.length <= 2);
    for (const u of page.users) {
      assert.equal("password" in u || "passwordHash" in u || "password_hash" in u, false);
      seen.push(u.id);
    }
    cursor = page.nextCursor;
  } while (cursor);
  assert.deepEqual(
    seen.filter((id) => made.some((m) => m.id === id)),
    made.map((m) => m.id),
  );
  const one = await json<{ users: User[]; nextCursor: null }>(await p.api("/auth/users?email=LIST3@example.com"), 200);
  assert.deepEqual(
    one.users.map((u) => [u.id, u.n]),
    [[made[2]!.id, 3]],
  );
  assert.equal(one.nextCursor, null);
  for (const [query, path] of [
    ["limit=0", "limit"],
    ["limit=1001", "limit"],
    ["limit=abc", "limit"],
    ["cursor=not-ours", "cursor"],
    ["email=nope", "email"],
  ]) {
    const res = await p.api(`/auth/users?${query}`);
    assert.equal(res.status, 400, query);
    const err = await errorOf(res);
    assert.deepEqual([err.code, err.details?.path], ["FN_006", path], query);
  }
});

test("get, update (email, password, profile merge) and delete; 404 FN_001, 409 for a taken email", async () => {
  const ada = await signup("ada@example.com", { displayName: "Ada", plan: "free", tags: ["math"] });
  await signup("taken@example.com");
  assert.deepEqual(await json(await p.api(`/auth/users/${ada.id}`), 200), ada);

  const patched = await json<User>(
    await p.api(`/auth/users/${ada.id}`, {
      method: "PATCH",
      json: { email: "Lovelace@Example.com", password: "new-password-2", plan: "pro", tags: null },
    }),
    200,
  );
  assert.equal(patched.email, "lovelace@example.com");
  assert.equal(patched.plan, "pro");
  assert.equal(patched.displayName, "Ada");
  assert.equal("tags" in patched, false);
  assert.equal("password" in patched || "passwordHash" in patched, false);
  assert.ok(patched.updatedAt >= ada.updatedAt);
  // The new password logs in with the new email; the old one no longer does.
  const old = await p.api("/auth/login", {
    method: "POST",
    json: { email: "lovelace@example.com", password: "long-enough-1" },
  });
  assert.equal(old.status, 401);
  const { token } = await json<{ token: string }>(
    await p.api("/auth/login", { method: "POST", json: { email: "lovelace@example.com", password: "new-password-2" } }),
    200,
  );

  const cases: [unknown, number, string, string?][] = [
    [{ email: "taken@example.com" }, 409, "FN_006", "email"],
    [{ email: "not-an-email" }, 400, "FN_006", "email"],
    [{ password: "short" }, 400, "FN_006", "password"],
    [{ id: "usr_other" }, 400, "FN_006", "id"],
    [{ createdAt: "2020-01-01" }, 400, "FN_006", "createdAt"],
    [{ passwordHash: "scrypt$1$1$1$a$b" }, 400, "FN_006", "passwordHash"],
    [["not", "an", "object"], 400, "FN_006", "body"],
  ];
  for (const [body, status, code, path] of cases) {
    const res = await p.api(`/auth/users/${ada.id}`, { method: "PATCH", json: body });
    assert.equal(res.status, status, JSON.stringify(body));
    const err = await errorOf(res);
    assert.deepEqual([err.code, err.details?.path], [code, path], JSON.stringify(body));
  }
  const unknown = await p.api("/auth/users/usr_nobody", { method: "PATCH", json: { plan: "x" } });
  assert.equal(unknown.status, 404);
  assert.equal((await errorOf(unknown)).code, "FN_001");

  // Delete: gone, and its email free again (its token no longer verifying: users.test.ts).
  assert.equal((await p.api(`/auth/users/${ada.id}`, { method: "DELETE" })).status, 204);
  const gone = await p.api(`/auth/users/${ada.id}`);
  assert.equal(gone.status, 404);
  assert.equal((await errorOf(gone)).code, "FN_001");
  const again = await p.api(`/auth/users/${ada.id}`, { method: "DELETE" });
  assert.equal(again.status, 404);
  assert.equal((await errorOf(again)).code, "FN_001");
  const relogin = await p.api("/auth/login", {
    method: "POST",
    json: { email: "lovelace@example.com", password: "new-password-2" },
  });
  assert.equal(relogin.status, 401);
  await signup("lovelace@example.com");
  assert.equal(token.split(".").length, 3);
});

test("a public key (made with the CLI) may only sign up and log in; browsers get CORS on those two", async () => {
  const made = await p.cli(["keys", "create", "web", "--role", "public", "--json"]);
  assert.equal(made.code, 0, made.stderr);
  const { key, role } = JSON.parse(made.stdout) as { key: string; role: string };
  assert.equal(role, "public");
  const bad = await p.cli(["keys", "create", "web2", "--role", "root"]);
  assert.equal(bad.code, 2);
  const listed = await p.cli(["keys", "list"]);
  assert.match(listed.stdout, /web\s+public/);

  const user = await json<User>(
    await p.api("/auth/users", {
      key,
      method: "POST",
      json: { email: "browser@example.com", password: "from-a-page" },
    }),
    201,
  );
  const login = await p.api("/auth/login", {
    key,
    method: "POST",
    json: { email: "browser@example.com", password: "from-a-page" },
    headers: { origin: "https://app.example.com" },
  });
  assert.equal(login.status, 200);
  assert.equal(login.headers.get("access-control-allow-origin"), "*");
  assert.equal(((await login.json()) as { user: User }).user.id, user.id);

  for (const [method, path] of [
    ["GET", "/auth/users"],
    ["GET", `/auth/users/${user.id}`],
    ["PATCH", `/auth/users/${user.id}`],
    ["DELETE", `/auth/users/${user.id}`],
    ["GET", "/functions"],
    ["GET", "/db/profiles"],
    ["POST", "/db/profiles"],
    ["POST", "/events"],
    ["GET", "/keys"],
    ["POST", "/internal/sdk"],
  ]) {
    const res = await p.api(path, { key, method, json: method === "GET" ? undefined : {} });
    assert.equal(res.status, 403, `${method} ${path}`);
    assert.equal((await errorOf(res)).code, "FN_009");
  }

  const preflight = await fetch(`${p.originUrl}/auth/users`, {
    method: "OPTIONS",
    headers: {
      origin: "https://app.example.com",
      "access-control-request-method": "POST",
      "access-control-request-headers": "authorization, content-type",
    },
  });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get("access-control-allow-origin"), "*");
  assert.match(preflight.headers.get("access-control-allow-headers") ?? "", /authorization/);
  const noKey = await fetch(`${p.originUrl}/auth/login`, { method: "POST", body: "{}" });
  assert.equal(noKey.status, 401);
  assert.equal(noKey.headers.get("access-control-allow-origin"), "*");
  // Elsewhere, still no preflight without a key.
  assert.equal((await fetch(`${p.originUrl}/functions`, { method: "OPTIONS" })).status, 401);
});

test("10 failed logins for one email in 15 minutes: 429 FN_007 with retry-after, the same whether the account exists", async () => {
  await signup("target@example.com");
  const attempt = (email: string, password: string) =>
    p.api("/auth/login", { method: "POST", json: { email, password } });
  for (const email of ["target@example.com", "ghost@example.com"]) {
    for (let i = 0; i < 10; i++) {
      const res = await attempt(email, `wrong-guess-${i}`);
      assert.equal(res.status, 401, `${email} attempt ${i + 1}`);
      await res.body?.cancel();
    }
    for (const password of ["wrong-guess-10", email === "target@example.com" ? "long-enough-1" : "anything"]) {
      const res = await attempt(email, password);
      assert.equal(res.status, 429, email);
      const retryAfter = Number(res.headers.get("retry-after"));
      assert.ok(retryAfter > 800 && retryAfter <= 900, `retry-after ${retryAfter}`);
      const err = await errorOf(res);
      assert.equal(err.code, "FN_007");
      assert.equal(err.message, "Too many failed logins for this email; try again later");
    }
  }
  // Another email is not affected.
  await signup("bystander@example.com");
  assert.equal((await attempt("bystander@example.com", "long-enough-1")).status, 200);
});
