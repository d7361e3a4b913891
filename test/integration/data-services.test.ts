/**
 * The services behind the triggers (db, storage, auth, queues) through the real origin's
 * REST API: responses, what is stored (files on disk included), roles, and path traversal
 * attempts sent byte for byte as an attacker would (no client-side URL normalisation).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { join } from "node:path";
import { json, startPlatform, type TestPlatform } from "../helpers/platform.ts";
import { deployFiles, errorOf, eventually } from "../helpers/functions.ts";

let p: TestPlatform;
let viewerKey: string;
before(async () => {
  p = await startPlatform();
  const res = await p.api("/keys", { method: "POST", json: { name: "reader", role: "viewer" } });
  viewerKey = ((await res.json()) as { key: string }).key;
});
after(async () => {
  await p?.stop();
});

/** A request whose path is sent exactly as written (fetch would resolve `..` first). */
function raw(method: string, path: string, body?: string): Promise<{ status: number; body: string }> {
  const url = new URL(p.originUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, method, path, headers: { authorization: `Bearer ${p.adminKey}` } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (text += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

describe("db", () => {
  test("create, get, patch (merge), put (replace or create), delete", async () => {
    const created = await json<{ id: string }>(
      await p.api("/db/profiles", { method: "POST", json: { name: "Ada", address: { city: "London" } } }),
      201,
    );
    assert.match(created.id, /^doc_/);
    assert.deepEqual(await json(await p.api(`/db/profiles/${created.id}`), 200), { ...created });
    const patched = await json(
      await p.api(`/db/profiles/${created.id}`, { method: "PATCH", json: { address: { zip: "N1" }, name: null } }),
      200,
    );
    assert.deepEqual(patched, { id: created.id, address: { city: "London", zip: "N1" } });
    assert.deepEqual(await json(await p.api(`/db/profiles/${created.id}`, { method: "PUT", json: { v: 2 } }), 200), {
      id: created.id,
      v: 2,
    });
    await json(await p.api("/db/profiles/new-one", { method: "PUT", json: { v: 1 } }), 201);
    assert.equal((await p.api(`/db/profiles/${created.id}`, { method: "DELETE" })).status, 204);
    const gone = await p.api(`/db/profiles/${created.id}`);
    assert.equal(gone.status, 404);
    assert.equal((await errorOf(gone)).code, "FN_001");
  });

  test("query with where, orderBy, limit and cursor; bulk delete by the same filter", async () => {
    for (let i = 0; i < 5; i++)
      await json(
        await p.api("/db/scores", {
          method: "POST",
          json: { id: `s${i}`, score: i * 10, team: i % 2 ? "red" : "blue" },
        }),
        201,
      );
    const q = "/db/scores?where=team,==,blue&where=score,>=,10&orderBy=score,desc&limit=1";
    const first = await json<{ documents: { id: string }[]; nextCursor: string }>(await p.api(q), 200);
    assert.deepEqual(
      first.documents.map((d) => d.id),
      ["s4"],
    );
    const second = await json<{ documents: { id: string }[]; nextCursor: string | null }>(
      await p.api(`${q}&cursor=${encodeURIComponent(first.nextCursor)}`),
      200,
    );
    assert.deepEqual([second.documents.map((d) => d.id), second.nextCursor], [["s2"], null]);
    const inList = await json<{ documents: { id: string }[] }>(
      await p.api(`/db/scores?where=${encodeURIComponent("score,in,[0,30]")}`),
      200,
    );
    assert.deepEqual(
      inList.documents.map((d) => d.id),
      ["s0", "s3"],
    );

    const refused = await p.api("/db/scores", { method: "DELETE" });
    assert.equal(refused.status, 400);
    assert.equal((await errorOf(refused)).details?.path, "where");
    assert.deepEqual(await json(await p.api("/db/scores?where=team,==,red", { method: "DELETE" }), 200), {
      deleted: 2,
      more: false,
    });
    const left = await json<{ documents: { id: string }[] }>(await p.api("/db/scores"), 200);
    assert.deepEqual(
      left.documents.map((d) => d.id),
      ["s0", "s2", "s4"],
    );
  });

  test("bad input is 400 FN_006 naming the field; a viewer reads but cannot write", async () => {
    for (const [path, field] of [
      ["/db/scores?where=a..b,==,1", "where[0].field"],
      ["/db/scores?where=score,~,1", "where[0].op"],
      ["/db/scores?limit=0", "limit"],
      ["/db/bad%20name", "collection"],
    ]) {
      const res = await p.api(path);
      assert.equal(res.status, 400, path);
      assert.equal((await errorOf(res)).details?.path, field, path);
    }
    const malformed = await p.api("/db/scores", {
      method: "POST",
      body: "{nope",
      headers: { "content-type": "application/json" },
    });
    assert.equal((await errorOf(malformed)).code, "FN_006");
    assert.equal((await p.api("/db/scores", { key: viewerKey })).status, 200);
    const write = await p.api("/db/scores", { key: viewerKey, method: "POST", json: {} });
    assert.equal(write.status, 403);
    assert.equal((await errorOf(write)).code, "FN_009");
  });
});

describe("storage", () => {
  test("upload, head, download with content-type/length/etag, list by prefix, delete", async () => {
    const content = "x".repeat(100_000);
    const put = await json<{ size: number; etag: string }>(
      await p.api("/storage/uploads/photos/2024/a.txt", {
        method: "PUT",
        body: content,
        headers: { "content-type": "text/plain" },
      }),
      201,
    );
    const etag = createHash("sha256").update(content).digest("hex");
    assert.deepEqual([put.size, put.etag], [100_000, etag]);
    assert.equal(readFileSync(join(p.dataDir, "storage/uploads/photos/2024/a.txt"), "utf8"), content);

    const head = await p.api("/storage/uploads/photos/2024/a.txt", { method: "HEAD" });
    assert.deepEqual(
      [head.status, head.headers.get("content-length"), head.headers.get("etag")],
      [200, "100000", `"${etag}"`],
    );
    const get = await p.api("/storage/uploads/photos/2024/a.txt", { key: viewerKey });
    assert.equal(get.headers.get("content-type"), "text/plain");
    assert.equal(await get.text(), content);
    const cached = await p.api("/storage/uploads/photos/2024/a.txt", { headers: { "if-none-match": `"${etag}"` } });
    assert.equal(cached.status, 304);

    await json(await p.api("/storage/uploads/other.bin", { method: "PUT", body: new Uint8Array([1, 2, 3]) }), 201);
    const listed = await json<{ objects: { path: string; contentType: string }[] }>(
      await p.api("/storage/uploads?prefix=photos/"),
      200,
    );
    assert.deepEqual(
      listed.objects.map((o) => o.path),
      ["photos/2024/a.txt"],
    );
    const all = await json<{ objects: { path: string; contentType: string }[] }>(await p.api("/storage/uploads"), 200);
    assert.deepEqual(
      all.objects.map((o) => [o.path, o.contentType]),
      [
        ["other.bin", "application/octet-stream"],
        ["photos/2024/a.txt", "text/plain"],
      ],
    );

    assert.equal((await p.api("/storage/uploads/photos/2024/a.txt", { method: "DELETE" })).status, 204);
    assert.equal(existsSync(join(p.dataDir, "storage/uploads/photos")), false);
    const missing = await p.api("/storage/uploads/photos/2024/a.txt");
    assert.deepEqual([missing.status, (await errorOf(missing)).code], [404, "FN_001"]);
    assert.equal((await p.api("/storage/uploads/photos/2024/a.txt", { method: "HEAD" })).status, 404);
  });

  test("traversal attempts never write or read outside the bucket folder", async () => {
    await json(await p.api("/storage/secret/key.txt", { method: "PUT", body: "top secret" }), 201);
    const attempts = [
      "/storage/b/..%2fsecret%2fkey.txt",
      "/storage/b/..%2F..%2F..%2Fadmin.key",
      "/storage/b/a%2f..%2f..%2fsecret%2fkey.txt",
      "/storage/b/%2e%2e%2fsecret%2fkey.txt",
      "/storage/b/%2Fetc%2Fpasswd",
      "/storage/b/..%5c..%5cadmin.key",
      "/storage/b/a%00b",
      "/storage/b/a//b",
      "/storage/b/%E0%A4%A",
      "/storage/..%2f/x",
    ];
    for (const path of attempts) {
      for (const method of ["GET", "PUT", "DELETE"]) {
        const res = await raw(method, path, method === "PUT" ? "pwned" : undefined);
        assert.ok(res.status === 400 || res.status === 404, `${method} ${path}: ${res.status} ${res.body}`);
        assert.doesNotMatch(res.body, /top secret|BEGIN|bunbase_/, `${method} ${path}`);
      }
    }
    // Raw dot segments are resolved before routing (RFC 3986 5.2.4), as for any HTTP path:
    // at most they name another bucket's object, never a file outside <data dir>/storage.
    const adminKey = readFileSync(join(p.dataDir, "admin.key"), "utf8").trim();
    for (const path of [
      "/storage/b/../../admin.key",
      "/storage/b/../../../../etc/passwd",
      "/storage/b/x/../../../admin.key",
    ]) {
      for (const method of ["GET", "PUT"]) {
        const res = await raw(method, path, method === "PUT" ? "pwned" : undefined);
        assert.notEqual(res.status, 200, `${method} ${path}`);
        assert.ok(!res.body.includes(adminKey) && !res.body.includes("root:"), `${method} ${path}`);
      }
    }
    assert.equal(readFileSync(join(p.dataDir, "admin.key"), "utf8").trim(), adminKey);
    assert.equal(readFileSync(join(p.dataDir, "storage/secret/key.txt"), "utf8"), "top secret");
    assert.ok(!readdirSync(join(p.dataDir, "storage")).includes("b"), "no attempt created the bucket");
    assert.deepEqual(readdirSync(join(p.dataDir, "storage", ".tmp")), [], "no temp file left behind");
    assert.ok(!readdirSync(p.dataDir).includes("pwned"));
  });

  test("a viewer cannot upload; bad bucket names are FN_006", async () => {
    const res = await p.api("/storage/uploads/x", { key: viewerKey, method: "PUT", body: "x" });
    assert.equal(res.status, 403);
    const bad = await p.api("/storage/.tmp/x", { method: "PUT", body: "x" });
    assert.deepEqual([bad.status, (await errorOf(bad)).details?.path], [400, "bucket"]);
  });
});

describe("auth", () => {
  test("create a user, log in, duplicate email is 409, wrong credentials 401 with one message", async () => {
    const user = await json<{ id: string; email: string }>(
      await p.api("/auth/users", {
        method: "POST",
        json: { email: "ada@example.com", password: "analytical", name: "Ada" },
      }),
      201,
    );
    assert.deepEqual([user.email, "password" in user], ["ada@example.com", false]);
    const dup = await p.api("/auth/users", {
      method: "POST",
      json: { email: "ADA@example.com", password: "analytical" },
    });
    assert.equal(dup.status, 409);
    assert.deepEqual([(await errorOf(dup)).code], ["FN_006"]);

    const login = await json<{ token: string; user: { id: string } }>(
      await p.api("/auth/login", { method: "POST", json: { email: "ada@example.com", password: "analytical" } }),
      200,
    );
    assert.equal(login.user.id, user.id);
    const claims = JSON.parse(Buffer.from(login.token.split(".")[1], "base64url").toString()) as Record<
      string,
      unknown
    >;
    assert.deepEqual([claims.iss, claims.sub], ["bunbase", user.id]);
    assert.equal((claims.exp as number) - (claims.iat as number), 3600);

    const messages: string[] = [];
    for (const body of [
      { email: "ada@example.com", password: "wrong-one" },
      { email: "nobody@example.com", password: "analytical" },
    ]) {
      const res = await p.api("/auth/login", { method: "POST", json: body });
      assert.equal(res.status, 401);
      const err = await errorOf(res);
      assert.equal(err.code, "FN_009");
      messages.push(err.message);
    }
    assert.equal(messages[0], messages[1]);
  });
});

describe("queues", () => {
  test("messages are accepted with 202; a single message works too; bad shapes are FN_006", async () => {
    const res = await p.api("/queues/jobs/messages", {
      method: "POST",
      json: { messages: [{ body: { n: 1 } }, { body: "two", idempotencyKey: "k-2" }] },
    });
    assert.equal((await json<{ accepted: number }>(res, 202)).accepted, 2);
    assert.equal(
      (
        await json<{ accepted: number }>(
          await p.api("/queues/jobs/messages", { method: "POST", json: { message: { body: 3 } } }),
          202,
        )
      ).accepted,
      1,
    );
    const bad = await p.api("/queues/jobs/messages", { method: "POST", json: { messages: [{ n: 1 }] } });
    assert.deepEqual([bad.status, (await errorOf(bad)).details?.path], [400, "messages[0]"]);
  });
});

describe("events reach the functions whose triggers match", () => {
  test("database, storage, auth and queue writes deliver their contract-shaped events", async () => {
    await deployFiles(
      p,
      {
        name: "watcher",
        triggers: [
          { type: "database", collection: "profiles", events: ["create", "update", "delete"] },
          { type: "storage", bucket: "uploads", events: ["upload", "delete"] },
          { type: "auth", events: ["user.create"] },
          { type: "queue", queue: "work", batchSize: 10 },
        ],
      },
      {
        "index.ts": `export async function handler(event: any) {
  console.log("EVENT " + JSON.stringify({ type: event.type, source: event.source, data: event.data, metadata: event.metadata }));
  return { seen: event.type };
}
`,
      },
    );
    const created = await json<{ id: string }>(
      await p.api("/db/profiles", { method: "POST", json: { name: "Ada" } }),
      201,
    );
    await json(await p.api(`/db/profiles/${created.id}`, { method: "PATCH", json: { city: "London" } }), 200);
    const put = await p.api("/storage/uploads/notes/a.txt", {
      method: "PUT",
      headers: { "content-type": "text/plain" },
      body: "hello",
    });
    assert.ok(put.status === 200 || put.status === 201, await put.text());
    await json(
      await p.api("/auth/users", { method: "POST", json: { email: "ev@example.com", password: "correct horse" } }),
      201,
    );
    await json(
      await p.api("/queues/work/messages", {
        method: "POST",
        json: { messages: [{ body: 1 }, { body: 2 }, { body: 3 }] },
      }),
      202,
    );
    const events = await eventually(async () => {
      const res = await p.api("/functions/watcher/logs?q=EVENT&limit=100");
      const body = (await res.json()) as { logs: { message: string }[] };
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- event shapes vary by type
      const seen = body.logs.map((l) => JSON.parse(l.message.slice("EVENT ".length)) as Record<string, any>);
      const types = new Set(seen.map((e) => e.type));
      const messages = seen.filter((e) => e.type === "queue").flatMap((e) => e.data?.messages ?? [e.data]);
      const all = ["database.create", "database.update", "storage.upload", "auth.user.create"].every((t) =>
        types.has(t),
      );
      return all && messages.length >= 3 ? seen : undefined;
    }, 30_000);
    const create = events.find((e) => e.type === "database.create")!;
    assert.equal(create.metadata.collection, "profiles");
    assert.equal(create.metadata.documentId, created.id);
    assert.equal(create.data.name, "Ada");
    assert.equal(create.metadata.attempt, 1);
    const update = events.find((e) => e.type === "database.update")!;
    assert.equal(update.data.city, "London");
    assert.equal(update.metadata.previous.name, "Ada");
    assert.equal(update.metadata.previous.city, undefined);
    const upload = events.find((e) => e.type === "storage.upload")!;
    assert.deepEqual(
      { bucket: upload.metadata.bucket, path: upload.metadata.path, size: upload.metadata.size },
      { bucket: "uploads", path: "notes/a.txt", size: 5 },
    );
    const user = events.find((e) => e.type === "auth.user.create")!;
    assert.equal(user.data.email, "ev@example.com");
    assert.doesNotMatch(JSON.stringify(user.data), /password|correct horse|scrypt/i);
  });
});
