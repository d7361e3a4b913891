/**
 * `@bunbase/sdk` from origin containers, on the real platform: a Python, a Go and a Node
 * function use db, storage, queues and auth through their container's relay, called
 * through the edge; a database trigger's Go handler writes through the SDK; code that
 * calls the relay without its invocation's token, or after its invocation, is refused; an
 * invocation that spends its subrequests gets FN_007.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startPlatform, type TestPlatform } from "../helpers/platform.ts";
import { deployFiles, eventually } from "../helpers/functions.ts";

let p: TestPlatform;
let session: { token: string; userId: string };

before(async () => {
  p = await startPlatform({ BUNBASE_WORKER_IDLE_SECONDS: "30" });
  const created = await p.api("/auth/users", {
    method: "POST",
    json: { email: "ada@example.com", password: "engine-1843" },
  });
  assert.equal(created.status, 201, await created.clone().text());
  const login = await p.api("/auth/login", {
    method: "POST",
    json: { email: "ada@example.com", password: "engine-1843" },
  });
  const body = (await login.json()) as { token: string; user: { id: string } };
  session = { token: body.token, userId: body.user.id };
});
after(async () => {
  await p?.stop();
});

const http = (path: string) => [{ type: "http", path, methods: ["GET", "POST"] }];

/** Through the edge, as a browser with a session would call it. */
async function call(path: string): Promise<Record<string, unknown>> {
  const res = await p.edge(path, { headers: { authorization: `Bearer ${session.token}` } });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  return JSON.parse(text) as Record<string, unknown>;
}

const PYTHON = `import threading
from bunbase import BunbaseError, auth, db, queue, storage

def handler(request):
    if request.path.endswith("/many"):
        return spend()
    notes = db.collection("py-notes")
    created = notes.create({"id": "n1", "text": "hello", "rank": 2})
    notes.create({"text": "second", "rank": 1})
    updated = notes.doc("n1").update({"text": "hi", "rank": None})
    ordered = [d["text"] for d in notes.where("text", "!=", "x").order_by("text").limit(5).get()]
    missing = notes.doc("nope").get()
    deleted = notes.where("text", "==", "second").delete()
    f = storage.bucket("py-files").file("dir/a.txt")
    uploaded = f.upload("some text")
    got = f.download()
    listed = [o["path"] for o in storage.bucket("py-files").list("dir/")]
    claims = auth.verify_token(request.headers.get("authorization"))
    user = auth.get_user(claims["sub"])
    try:
        auth.get_user("usr_none")
        unknown = None
    except BunbaseError as err:
        unknown = [err.code, type(err).__name__]
    sent = queue("py-work").send({"body": {"user": claims["sub"]}})
    made = auth.create_user({"email": "py-made@example.com", "password": "correct horse battery", "nick": "py"})
    found = auth.list_users(email="py-made@example.com")["users"][0]["id"] == made["id"]
    renamed = auth.update_user(made["id"], {"nick": "snake"})["nick"]
    users = [found, renamed, auth.delete_user(made["id"]), auth.delete_user(made["id"])]
    outside = []
    worker = threading.Thread(target=lambda: outside.append(failure(lambda: db.collection("py-notes").doc("n1").get())))
    worker.start()
    worker.join()
    return {
        "created": created, "updated": updated, "ordered": ordered, "missing": missing, "deleted": deleted,
        "uploaded": [uploaded["size"], uploaded["contentType"]], "download": [got.text(), got.content_type, got.etag == uploaded["etag"]],
        "listed": listed, "exists": [f.exists(), f.delete(), f.exists(), f.delete()],
        "email": user["email"], "unknown": unknown, "sent": sent, "outside": outside[0], "users": users,
        "tokenHidden": "x-bunbase-sdk-token" not in request.headers,
    }

def failure(work):
    try:
        work()
        return None
    except BunbaseError as err:
        return [err.code, err.message]

def spend():
    ok = 0
    for _ in range(60):
        try:
            storage.bucket("py-files").file("none").exists()
            ok += 1
        except BunbaseError as err:
            return {"ok": ok, "code": err.code, "message": err.message}
    return {"ok": ok}
`;

test("python: db, storage, auth and queues through the SDK; FN_004 outside the invocation", async () => {
  await deployFiles(p, { name: "py-sdk", runtime: "python3.11", triggers: http("/sdk/py/*") }, { "main.py": PYTHON });
  const body = await call("/sdk/py/run");
  const outside = body.outside as [string, string];
  assert.equal(outside[0], "FN_004");
  assert.match(outside[1], /must be called during an invocation/);
  assert.deepEqual(
    { ...body, outside: undefined },
    {
      created: { id: "n1", text: "hello", rank: 2 },
      updated: { id: "n1", text: "hi" },
      ordered: ["hi", "second"],
      missing: null,
      deleted: { deleted: 1, more: false },
      uploaded: [9, "text/plain; charset=utf-8"],
      download: ["some text", "text/plain; charset=utf-8", true],
      listed: ["dir/a.txt"],
      exists: [true, true, false, false],
      email: "ada@example.com",
      unknown: ["FN_001", "BunbaseError"],
      sent: { accepted: 1, duplicates: 0 },
      outside: undefined,
      users: [true, "snake", true, false],
      tokenHidden: true,
    },
  );
  const stored = await p.api("/db/py-notes/n1");
  assert.deepEqual(await stored.json(), { id: "n1", text: "hi" });
});

test("python: the 51st subrequest of an invocation is FN_007, and the next invocation starts afresh", async () => {
  const first = await call("/sdk/py/many");
  assert.equal(first.ok, 50);
  assert.equal(first.code, "FN_007");
  assert.match(String(first.message), /subrequests/);
  assert.equal((await call("/sdk/py/many")).ok, 50);
});

const GO = `package gosdk

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"bunbase.dev/sdk"
)

func Handler(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	out := map[string]any{}
	fail := func(err error) {
		var e *sdk.Error
		if errors.As(err, &e) {
			http.Error(w, e.Code+" "+e.Message, 500)
		} else {
			http.Error(w, err.Error(), 500)
		}
	}
	notes := sdk.DB(ctx).Collection("go-notes")
	if _, err := notes.Create(map[string]any{"id": "g1", "n": 1}); err != nil {
		fail(err)
		return
	}
	doc, err := notes.Doc("g1").Update(map[string]any{"n": 2})
	if err != nil {
		fail(err)
		return
	}
	out["updated"] = doc
	docs, err := notes.Where("n", ">=", 2).OrderBy("n", "desc").Limit(10).Get()
	if err != nil {
		fail(err)
		return
	}
	out["found"] = len(docs)
	missing, err := notes.Doc("none").Get()
	out["missing"] = []any{missing == nil, err == nil}
	file := sdk.Storage(ctx).Bucket("go-files").File("b.bin")
	object, err := file.Upload([]byte{1, 2, 3}, "application/x-test")
	if err != nil {
		fail(err)
		return
	}
	got, err := file.Download()
	if err != nil {
		fail(err)
		return
	}
	out["object"] = []any{object.Size, object.ContentType, got.Data, got.ETag == object.ETag}
	claims, err := sdk.Auth(ctx).VerifyToken(r.Header.Get("authorization"))
	if err != nil {
		fail(err)
		return
	}
	out["sub"] = claims["sub"]
	_, err = sdk.Auth(ctx).VerifyToken("Bearer forged")
	var refused *sdk.Error
	errors.As(err, &refused)
	out["forged"] = refused.Code
	sent, err := sdk.Queue(ctx, "go-work").Send(sdk.Message{Body: "x", IdempotencyKey: "once"})
	if err != nil {
		fail(err)
		return
	}
	out["sent"] = sent
	users := sdk.Auth(ctx)
	made, err := users.CreateUser(map[string]any{"email": "go-made@example.com", "password": "correct horse battery"})
	if err != nil {
		fail(err)
		return
	}
	page, err := users.ListUsers(0, "", "go-made@example.com")
	if err != nil {
		fail(err)
		return
	}
	renamed, err := users.UpdateUser(made["id"].(string), map[string]any{"nick": "gopher"})
	if err != nil {
		fail(err)
		return
	}
	first, err := users.DeleteUser(made["id"].(string))
	if err != nil {
		fail(err)
		return
	}
	second, err := users.DeleteUser(made["id"].(string))
	if err != nil {
		fail(err)
		return
	}
	out["users"] = []any{len(page.Users) == 1 && page.Users[0]["id"] == made["id"], renamed["nick"], first, second}
	_, err = sdk.DB(context.Background()).Collection("go-notes").Doc("g1").Get()
	errors.As(err, &refused)
	out["outside"] = refused.Code
	w.Header().Set("content-type", "application/json")
	json.NewEncoder(w).Encode(out)
}

func OnNote(ctx context.Context, event json.RawMessage) (any, error) {
	var e struct {
		Data map[string]any \`json:"data"\`
	}
	if err := json.Unmarshal(event, &e); err != nil {
		return nil, err
	}
	id, _ := e.Data["id"].(string)
	return sdk.DB(ctx).Collection("go-audit").Doc(id).Set(map[string]any{"seen": e.Data["text"]})
}
`;

test("go: the SDK with the request's context, and a database trigger that writes through it", async () => {
  await deployFiles(
    p,
    {
      name: "go-sdk",
      runtime: "go1.x",
      triggers: [
        ...http("/sdk/go"),
        { type: "database", collection: "go-inbox", events: ["create"], handler: "OnNote" },
      ],
    },
    { "go.mod": "module example.com/gosdk\n\ngo 1.22\n", "sdk.go": GO },
  );
  const body = await call("/sdk/go");
  assert.deepEqual(body, {
    updated: { id: "g1", n: 2 },
    found: 1,
    missing: [true, true],
    object: [3, "application/x-test", "AQID", true],
    sub: session.userId,
    forged: "FN_009",
    sent: { accepted: 1, duplicates: 0 },
    users: [true, "gopher", true, false],
    outside: "FN_004",
  });
  const put = await p.api("/db/go-inbox", { method: "POST", json: { id: "m1", text: "from the trigger" } });
  assert.equal(put.status, 201);
  const audit = await eventually(async () => {
    const res = await p.api("/db/go-audit/m1");
    return res.status === 200 ? ((await res.json()) as Record<string, unknown>) : undefined;
  }, 20_000);
  assert.deepEqual(audit, { id: "m1", seen: "from the trigger" });
});

const NODE = `import { auth, db, queue, storage } from "@bunbase/sdk";

export async function handler(req: Request): Promise<Response> {
  const doc = await db.collection("js-notes").create({ from: process.version });
  const again = await db.collection("js-notes").doc(doc.id).get();
  const file = storage.bucket("js-files").file("c.json");
  await file.upload(JSON.stringify({ ok: true }), { contentType: "application/json" });
  const read = await (await file.download()).json();
  const claims = await auth.verifyToken(req.headers.get("authorization"));
  const sent = await queue("js-work").send([{ body: 1 }, { body: 2 }]);
  // What untrusted code could try: the relay without the token, or with a made-up one.
  const relay = process.env.BUNBASE_SDK_URL;
  const bare = await fetch(relay + "/call", { method: "POST", body: JSON.stringify({ service: "db", method: "get", args: { collection: "js-notes", id: doc.id } }) });
  const forged = await fetch(relay + "/call", {
    method: "POST",
    headers: { "x-bunbase-sdk-token": "v1.eyJmIjoiZm5fb3RoZXIifQ.forged" },
    body: "{}",
  });
  return Response.json({
    same: again?.id === doc.id,
    read,
    sub: claims.sub,
    sent,
    bare: [bare.status, (await bare.json()).error.code],
    forged: [forged.status, (await forged.json()).error.code],
    tokenHidden: req.headers.get("x-bunbase-sdk-token") === null,
  });
}

export async function onCustom(event: any) {
  const stored = await db.collection("js-notes").doc("from-event").set({ n: event.data.n });
  setTimeout(() => {
    db.collection("js-notes").doc("after-the-invocation").set({}).catch((err) => console.log("LATE " + err.code));
  }, 200);
  return stored;
}
`;

test("nodejs22 on the origin: the same @bunbase/sdk import; the relay refuses calls without a live token", async () => {
  await deployFiles(
    p,
    {
      name: "js-sdk",
      runtime: "nodejs22",
      placement: "origin",
      handler: "index.handler",
      triggers: [...http("/sdk/js"), { type: "event", event: "js.custom", handler: "onCustom" }],
    },
    { "index.ts": NODE },
  );
  const body = await call("/sdk/js");
  assert.deepEqual(body, {
    same: true,
    read: { ok: true },
    sub: session.userId,
    sent: { accepted: 2, duplicates: 0 },
    bare: [403, "FN_009"],
    forged: [403, "FN_009"],
    tokenHidden: true,
  });
  const sent = await p.api("/events", { method: "POST", json: { type: "js.custom", data: { n: 5 } } });
  assert.equal(sent.status, 202, await sent.clone().text());
  const stored = await eventually(async () => {
    const res = await p.api("/db/js-notes/from-event");
    return res.status === 200 ? ((await res.json()) as Record<string, unknown>) : undefined;
  }, 15_000);
  assert.deepEqual(stored, { id: "from-event", n: 5 });
  // A call made after its invocation ended holds a token that no longer opens the relay.
  const late = await eventually(async () => {
    const res = await p.api("/functions/js-sdk/logs?q=LATE&limit=10");
    const logs = ((await res.json()) as { logs: { message: string }[] }).logs;
    return logs.length > 0 ? logs[0].message : undefined;
  }, 15_000);
  assert.equal(late, "LATE FN_009");
  assert.equal((await p.api("/db/js-notes/after-the-invocation")).status, 404);
});
