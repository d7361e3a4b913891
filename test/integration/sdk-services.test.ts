/**
 * `@bunbase/sdk` from inside isolates, on the real platform: the chain (a signup
 * fires an auth function that writes a profile with db, whose database trigger fires
 * another function), a storage function reading its upload back, an HTTP function that
 * queries, verifies a session token and sends to a queue, and a guest trying to act as
 * another function or to call what the bridge does not offer.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { SDK_TOKEN_HEADER, signSdkToken } from "../../core/index.ts";
import { startPlatform, type TestPlatform } from "../helpers/platform.ts";
import { deployFiles, eventually } from "../helpers/functions.ts";

let p: TestPlatform;
before(async () => {
  p = await startPlatform();
});
after(async () => {
  await p?.stop();
});

async function logsOf(name: string, q: string): Promise<string[]> {
  const res = await p.api(`/functions/${name}/logs?q=${encodeURIComponent(q)}&limit=100`);
  const body = (await res.json()) as { logs?: { message: string }[] };
  return (body.logs ?? []).map((l) => l.message);
}

async function logged(name: string, q: string, timeoutMs = 30_000): Promise<string[]> {
  return eventually(async () => {
    const lines = await logsOf(name, q);
    return lines.length > 0 ? lines : undefined;
  }, timeoutMs);
}

test("signup -> auth function writes a profile with db -> database trigger fires", async () => {
  await deployFiles(
    p,
    { name: "on-user-create", triggers: [{ type: "auth", events: ["user.create"] }] },
    {
      "index.ts": `import { db } from "@bunbase/sdk";
export async function handler(event: any) {
  const profile = await db.collection("profiles").create({ id: event.data.id, email: event.data.email, plan: "free" });
  console.log("CREATED " + profile.id);
  return { profile: profile.id };
}
`,
    },
  );
  await deployFiles(
    p,
    { name: "on-profile", triggers: [{ type: "database", collection: "profiles", events: ["create"] }] },
    {
      "index.ts": `export async function handler(event: any) {
  console.log("PROFILE " + JSON.stringify(event.data));
  return {};
}
`,
    },
  );
  const res = await p.api("/auth/users", {
    method: "POST",
    json: { email: "ada@example.com", password: "analytical" },
  });
  assert.equal(res.status, 201, await res.clone().text());
  const user = (await res.json()) as { id: string };
  const [line] = await logged("on-profile", "PROFILE");
  assert.deepEqual(JSON.parse(line.slice("PROFILE ".length)), { id: user.id, email: "ada@example.com", plan: "free" });
  const stored = await p.api(`/db/profiles/${user.id}`);
  assert.equal(stored.status, 200);
});

test("an upload fires a storage function that reads the file back with the SDK", async () => {
  await deployFiles(
    p,
    { name: "on-upload", triggers: [{ type: "storage", bucket: "uploads", events: ["upload"] }] },
    {
      "index.ts": `import { storage } from "@bunbase/sdk";
export async function handler(event: any) {
  const file = storage.bucket(event.metadata.bucket).file(event.metadata.path);
  const res = await file.download();
  const listed = await storage.bucket("uploads").list("");
  console.log("READ " + JSON.stringify({ text: await res.text(), type: res.headers.get("content-type"), exists: await file.exists(), listed: listed.map((o) => o.path) }));
  const copy = await storage.bucket("copies").file("x.bin").upload(new Uint8Array([1, 2, 3]), { contentType: "application/x-test" });
  console.log("COPY " + JSON.stringify(copy));
  return {};
}
`,
    },
  );
  const put = await p.api("/storage/uploads/x.txt", {
    method: "PUT",
    headers: { "content-type": "text/plain" },
    body: "hello from the upload",
  });
  assert.equal(put.status, 201, await put.text());
  const [line] = await logged("on-upload", "READ");
  assert.deepEqual(JSON.parse(line.slice("READ ".length)), {
    text: "hello from the upload",
    type: "text/plain",
    exists: true,
    listed: ["x.txt"],
  });
  const [copy] = await logged("on-upload", "COPY");
  assert.equal(JSON.parse(copy.slice("COPY ".length)).size, 3);
  const bytes = await p.api("/storage/copies/x.bin");
  assert.equal(bytes.headers.get("content-type"), "application/x-test");
  assert.deepEqual([...new Uint8Array(await bytes.arrayBuffer())], [1, 2, 3]);
});

test("an HTTP function queries, verifies a session token and sends to a queue", async () => {
  for (const [id, score] of [
    ["a", 10],
    ["b", 30],
    ["c", 20],
    ["d", 5],
  ] as const) {
    const res = await p.api("/db/scores", { method: "POST", json: { id, score, team: id === "d" ? "red" : "blue" } });
    assert.equal(res.status, 201);
  }
  await p.api("/auth/users", { method: "POST", json: { email: "grace@example.com", password: "cobol-rules" } });
  const login = await p.api("/auth/login", {
    method: "POST",
    json: { email: "grace@example.com", password: "cobol-rules" },
  });
  const { token, user } = (await login.json()) as { token: string; user: { id: string } };
  await deployFiles(
    p,
    { name: "scores", triggers: [{ type: "http", path: "/scores" }] },
    {
      "index.ts": `import { auth, db, queue } from "@bunbase/sdk";
export async function handler(req: Request) {
  let claims;
  try {
    claims = await auth.verifyToken(req.headers.get("authorization"));
  } catch (err: any) {
    return Response.json({ code: err.code, name: err.name }, { status: 401 });
  }
  const top = await db.collection("scores").where("team", "==", "blue").orderBy("score", "desc").limit(2).get();
  const sent = await queue("work").send([{ body: { user: claims.sub } }, { body: 2, idempotencyKey: "k" }]);
  const missing = await db.collection("scores").doc("nope").get();
  const bad = await db.collection("scores").where("a..b", "==", 1).get().catch((err: any) => ({ code: err.code, path: err.details?.path }));
  const made = await auth.createUser({ email: "made@example.com", password: "correct horse battery", nick: "m" });
  const taken = await auth.createUser({ email: "made@example.com", password: "correct horse battery" }).catch((err: any) => [err.code, err.details?.path]);
  const users = [taken, await auth.deleteUser(made.id), await auth.deleteUser(made.id)];
  return Response.json({ sub: claims.sub, top: top.map((d) => d.id), sent, missing, bad, users });
}
`,
    },
  );
  const denied = await p.edge("/scores", { headers: { authorization: "Bearer nope" } });
  assert.deepEqual(await denied.json(), { code: "FN_009", name: "BunbaseError" });
  const res = await p.edge("/scores", { headers: { authorization: `Bearer ${token}` } });
  const body = await res.text();
  assert.equal(res.status, 200, body);
  assert.deepEqual(JSON.parse(body), {
    sub: user.id,
    top: ["b", "c"],
    sent: { accepted: 2, duplicates: 0 },
    missing: null,
    bad: { code: "FN_006", path: "where[0].field" },
    users: [["FN_006", "email"], true, false],
  });
});

test("a guest cannot act as another function, reach the origin itself, or call what the bridge lacks", async () => {
  await deployFiles(
    p,
    { name: "forger", triggers: [{ type: "http", path: "/forger" }] },
    {
      "index.ts": `export async function handler(req: Request) {
  const cap = (globalThis as any).__bunbase_sdk;
  const out: Record<string, unknown> = {};
  const attempt = async (name: string, work: () => Promise<any>) => {
    try {
      const answer = await work();
      out[name] = answer.ok ? "ok" : { code: answer.error.code, path: answer.error.details?.path };
    } catch (err: any) {
      out[name] = { thrown: err.name };
    }
  };
  await attempt("functionId", () => cap.call("db", "get", { collection: "profiles", id: "x", functionId: "fn_other" }));
  await attempt("token", () => cap.call("db", "get", { collection: "profiles", id: "x", token: "v1.forged.sig" }));
  await attempt("unknownMethod", () => cap.call("db", "drop", { collection: "profiles" }));
  await attempt("unknownService", () => cap.call("secrets", "list", {}));
  await attempt("notAnObject", () => cap.call("db", "get", "profiles"));
  await attempt("replace", async () => {
    try { (globalThis as any).__bunbase_sdk = { call: () => Promise.resolve({ ok: true }) }; } catch {}
    return (globalThis as any).__bunbase_sdk === cap ? { ok: false, error: { code: "kept" } } : { ok: true };
  });
  try {
    const direct = await fetch(new URL("/internal/sdk", req.headers.get("x-origin") ?? "http://127.0.0.1:1"), { method: "POST", body: "{}" });
    out.direct = direct.status;
  } catch (err: any) {
    out.direct = err.name;
  }
  return Response.json(out);
}
`,
    },
  );
  const res = await p.edge("/forger", { headers: { "x-origin": p.originUrl } });
  const body = await res.text();
  assert.equal(res.status, 200, body);
  assert.deepEqual(JSON.parse(body), {
    functionId: { code: "FN_006", path: "args.functionId" },
    token: { code: "FN_006", path: "args.token" },
    unknownMethod: { code: "FN_006", path: "method" },
    unknownService: { code: "FN_006", path: "service" },
    notAnObject: { code: "FN_006", path: "args" },
    replace: { code: "kept" },
    direct: "TypeError",
  });
});

test("SDK calls spend the invocation's subrequests: a loop cannot flood the origin", async () => {
  await deployFiles(
    p,
    { name: "flood", triggers: [{ type: "http", path: "/flood" }] },
    {
      "index.ts": `import { storage } from "@bunbase/sdk";
export async function handler() {
  let done = 0;
  try {
    for (;;) {
      await storage.bucket("uploads").file("x.txt").exists();
      done++;
    }
  } catch (err: any) {
    return Response.json({ done, code: err.code });
  }
}
`,
    },
  );
  const res = await p.edge("/flood");
  assert.deepEqual(await res.json(), { done: 50, code: "FN_007" });
});

/** The fleet key, as a node learns it: the `peers` event of the origin's stream. */
async function fleetKey(): Promise<string> {
  const res = await p.api("/internal/stream", { key: p.nodeKey });
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error("stream ended without peers");
    text += value;
    const match = /event: peers\ndata: (.*)\n/.exec(text);
    if (match) {
      await reader.cancel();
      return (JSON.parse(match[1]) as { forwardKey: string }).forwardKey;
    }
  }
}

test("/internal/sdk takes only a valid, unexpired token for an existing function, with a node key", async () => {
  const key = await fleetKey();
  const fn = (await (await p.api("/functions/forger")).json()) as { id: string };
  const call = (token: string | undefined, apiKey = p.nodeKey) =>
    p.api("/internal/sdk", {
      key: apiKey,
      method: "POST",
      headers: token === undefined ? {} : { [SDK_TOKEN_HEADER]: token },
      json: { service: "db", method: "query", args: { collection: "profiles", limit: 1 } },
    });
  const mint = (functionId: string, expiresAt: number) =>
    signSdkToken(key, { functionId, invocationId: "inv_test", expiresAt });
  const valid = await call(mint(fn.id, Date.now() + 60_000));
  assert.equal(valid.status, 200, await valid.clone().text());
  for (const [why, token] of [
    ["none", undefined],
    ["forged", "v1.eyJmIjoiZm5fMSJ9.AAAA"],
    ["expired", mint(fn.id, Date.now() - 1)],
    ["too long-lived", mint(fn.id, Date.now() + 60 * 60_000)],
    [
      "another key",
      signSdkToken(Buffer.alloc(32, 1).toString("base64url"), {
        functionId: fn.id,
        invocationId: "i",
        expiresAt: Date.now() + 60_000,
      }),
    ],
    ["unknown function", mint("fn_gone", Date.now() + 60_000)],
  ] as const) {
    const res = await call(token);
    assert.equal(res.status, 403, why);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, "FN_009", why);
  }
  // A deployer key may not call internal routes at all, token or not.
  const made = (await (await p.api("/keys", { method: "POST", json: { name: "d", role: "deployer" } })).json()) as {
    key: string;
  };
  assert.equal((await call(mint(fn.id, Date.now() + 60_000), made.key)).status, 403);
});
