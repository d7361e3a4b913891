/**
 * `functions test` on a function that calls `@bunbase/sdk`: the real data services run on
 * a store in the function folder (.bunbase/local), kept between runs, emptied by
 * `--reset-data`, replaced by a throwaway one with `--temp-data`; the writes' events are
 * listed; bad input comes back as the contract's codes. All through the real CLI.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DataServices } from "../../origin-api/src/data/index.ts";
import { loadMasterKey } from "../../origin-api/src/services/master-key.ts";
import { Store } from "../../origin-api/src/store/index.ts";
import { LocalEventLog } from "../src/local-events.ts";
import { runCli, tempDir } from "../../test/helpers/platform.ts";

function fnDir(files: Record<string, string>): string {
  const dir = join(tempDir(), "notes");
  mkdirSync(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const NOTES = `import { db, storage, auth, queue } from "@bunbase/sdk";
export async function handler(input: any): Promise<unknown> {
  if (!(input instanceof Request)) return { type: input.type, documentId: input.metadata.documentId };
  const req = input;
  const n = (await db.collection("notes").get()).length;
  const note = await db.collection("notes").create({ n });
  await storage.bucket("files").file(\`note-\${n}.txt\`).upload(\`note \${n}\`, { contentType: "text/plain" });
  const text = await (await storage.bucket("files").file(\`note-\${n}.txt\`).download()).text();
  const files = (await storage.bucket("files").list()).map((o) => o.path);
  const sent = await queue("jobs").send({ body: { note: note.id } });
  let user = null;
  if (req.headers.has("authorization")) {
    try {
      const claims = await auth.verifyToken(req.headers.get("authorization"));
      user = { id: claims.sub, email: (await auth.getUser(claims.sub)).email };
    } catch (err: any) {
      user = { code: err.code };
    }
  }
  return Response.json({ n, note, text, files, sent, user });
}
`;

interface RunDoc {
  response: { status: number; body: string };
  events: { id: string; type: string; source: string; data: unknown; metadata: Record<string, unknown> }[];
  store: { dir: string; temporary: boolean } | null;
}

/** What the NOTES handler answers. */
interface NotesBody {
  n: number;
  note: { id: string; n: number };
  text: string;
  files: string[];
  sent: { accepted: number; duplicates: number };
  user: { id: string; email: string } | { code: string } | null;
}

async function runJson(dir: string, ...args: string[]): Promise<{ doc: RunDoc; body: NotesBody }> {
  const r = await runCli(["functions", "test", "--json", ...args], { cwd: dir });
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const doc = JSON.parse(r.stdout) as RunDoc;
  assert.equal(doc.response.status, 200, doc.response.body);
  return { doc, body: JSON.parse(doc.response.body) as NotesBody };
}

/** A user and a session token in the local store, made by the same data services the run uses. */
async function seedUser(storeDir: string): Promise<{ id: string; token: string }> {
  const store = Store.open(storeDir);
  try {
    const data = new DataServices({
      store,
      events: new LocalEventLog(),
      masterKey: loadMasterKey(storeDir).key,
      dataDir: storeDir,
    });
    const user = await data.auth.create({ email: "ada@example.com", password: "analytical-engine" });
    const { token } = await data.auth.login({ email: "ada@example.com", password: "analytical-engine" });
    return { id: user.id, token };
  } finally {
    store.close();
  }
}

test("the SDK writes to a local store kept between runs; --reset-data and --temp-data start empty", async () => {
  const dir = fnDir({
    "function.config.json": JSON.stringify({ triggers: [{ type: "http", path: "/notes" }] }),
    "index.ts": NOTES,
    "test-event.json": JSON.stringify({ path: "/notes" }),
  });
  const storeDir = join(dir, ".bunbase", "local");

  const first = await runJson(dir);
  assert.equal(first.body.n, 0);
  assert.equal(first.body.text, "note 0");
  assert.deepEqual(first.body.files, ["note-0.txt"]);
  assert.deepEqual(first.body.sent, { accepted: 1, duplicates: 0 });
  assert.deepEqual(first.doc.store, { dir: storeDir, temporary: false });
  assert.deepEqual(
    first.doc.events.map((e) => e.type),
    ["database.create", "storage.upload", "queue"],
  );
  const [created, uploaded, queued] = first.doc.events;
  assert.deepEqual(created.metadata, { attempt: 1, collection: "notes", documentId: first.body.note.id });
  assert.deepEqual(created.data, first.body.note);
  assert.equal(uploaded.metadata.path, "note-0.txt");
  assert.deepEqual(queued.data, { note: first.body.note.id });

  // A session token made in that store verifies in the next run, which sees the first run's data.
  const user = await seedUser(storeDir);
  writeFileSync(
    join(dir, "signed-in.json"),
    JSON.stringify({ path: "/notes", headers: { authorization: `Bearer ${user.token}` } }),
  );
  const second = await runCli(["functions", "test", "--event", "signed-in.json"], { cwd: dir });
  assert.equal(second.code, 0, second.stderr + second.stdout);
  const body = JSON.parse(second.stdout.split("\n")[3]) as NotesBody;
  assert.equal(body.n, 1);
  assert.deepEqual(body.files, ["note-0.txt", "note-1.txt"]);
  assert.deepEqual(body.user, { id: user.id, email: "ada@example.com" });
  assert.match(second.stdout, /^events this run published \(triggers do not fire locally/m);
  assert.match(second.stdout, new RegExp(`^ {2}database\\.create notes/${body.note.id}$`, "m"));
  assert.match(second.stdout, /^ {2}storage\.upload files\/note-1\.txt \(6 bytes, text\/plain\)$/m);
  assert.match(second.stdout, /^ {2}queue jobs \{"note":"doc_[^"]+"\}$/m);
  assert.match(second.stdout, /^data: \.bunbase\/local \(kept between runs; --reset-data empties it\)$/m);

  // One of those events, delivered by hand as --event describes.
  writeFileSync(join(dir, "created.json"), JSON.stringify(first.doc.events[0]));
  const delivered = await runCli(["functions", "test", "--event", "created.json", "--json"], { cwd: dir });
  assert.equal(delivered.code, 0, delivered.stderr);
  assert.deepEqual((JSON.parse(delivered.stdout) as { result: unknown }).result, {
    type: "database.create",
    documentId: first.body.note.id,
  });

  const reset = await runJson(dir, "--event", "signed-in.json", "--reset-data");
  assert.equal(reset.body.n, 0);
  assert.deepEqual(reset.body.files, ["note-0.txt"]);
  assert.deepEqual(reset.body.user, { code: "FN_009" }, "the user and the key that signed the token are gone");

  const temp = await runJson(dir, "--temp-data");
  assert.equal(temp.body.n, 0);
  assert.equal(temp.doc.store?.temporary, true);
  assert.ok(!existsSync(temp.doc.store.dir), "the throwaway store is removed after the run");

  const after = await runJson(dir);
  assert.equal(after.body.n, 1, "the throwaway run left the kept store alone");
});

test("bad SDK input comes back as the contract's codes; a run without SDK calls leaves no store", async () => {
  const dir = fnDir({
    "function.config.json": JSON.stringify({}),
    "index.ts": `import { db, auth, queue } from "@bunbase/sdk";
async function code(work: () => Promise<unknown>) {
  try { await work(); return "ok"; } catch (err: any) { return [err.code, err.details?.path ?? null]; }
}
export async function handler(event: any) {
  if (event.type !== "sdk") return { sdk: false };
  return {
    collection: await code(() => db.collection("no spaces").create({})),
    missing: await code(() => db.collection("notes").doc("nope").update({ x: 1 })),
    token: await code(() => auth.verifyToken("Bearer not-a-token")),
    message: await code(() => queue("jobs").send({ nobody: 1 } as any)),
    bulk: await code(() => db.collection("notes").where("x", "==", 1).delete().then(() => db.collection("notes").delete())),
  };
}
`,
    "plain.json": JSON.stringify({ type: "custom" }),
    "sdk.json": JSON.stringify({ type: "sdk" }),
  });
  const plain = await runCli(["functions", "test", "--event", "plain.json", "--json"], { cwd: dir });
  assert.equal(plain.code, 0, plain.stderr);
  const plainDoc = JSON.parse(plain.stdout) as { result: unknown; events: unknown[]; store: unknown };
  assert.deepEqual(plainDoc, { ...plainDoc, result: { sdk: false }, events: [], store: null });
  assert.ok(!existsSync(join(dir, ".bunbase")), "no SDK call, no local store");

  const r = await runCli(["functions", "test", "--event", "sdk.json", "--json"], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as { result: Record<string, unknown>; events: unknown[] };
  assert.deepEqual(doc.result, {
    collection: ["FN_006", "collection"],
    missing: ["FN_001", null],
    token: ["FN_009", null],
    message: ["FN_006", "messages[0]"],
    bulk: ["FN_006", "where"],
  });
  assert.deepEqual(doc.events, [], "failed writes publish nothing");

  const both = await runCli(["functions", "test", "--event", "sdk.json", "--temp-data", "--reset-data"], { cwd: dir });
  assert.equal(both.code, 2);
  assert.match(both.stderr, /--temp-data uses a new store/);
});

test("a new function's .gitignore keeps the local store (.bunbase/) out of git", async () => {
  const parent = tempDir();
  for (const runtime of ["nodejs20", "python3.12", "go1.x"]) {
    const init = await runCli(["functions", "init", `fn-${runtime.replace(/\W/g, "")}`, "--runtime", runtime], {
      cwd: parent,
    });
    assert.equal(init.code, 0, init.stderr);
    const lines = readFileSync(join(parent, `fn-${runtime.replace(/\W/g, "")}`, ".gitignore"), "utf8").split("\n");
    assert.ok(lines.includes(".bunbase/"), `${runtime}: ${lines.join(" | ")}`);
  }
});
