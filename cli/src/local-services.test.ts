/**
 * The local services of `functions test`: only the run's key reaches them, only with an
 * invocation token for the run's function; the store opens on the first good call, keeps
 * what it holds across runs, and `--reset-data` removes only the store's own files.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SDK_TOKEN_HEADER, signSdkToken } from "../../core/index.ts";
import { tempDir } from "../../test/helpers/platform.ts";
import { resetLocalData, startLocalServices, type LocalServices } from "./local-services.ts";

const fn = { functionId: "local-notes", name: "notes", config: {} };

function call(s: LocalServices, body: unknown, o: { key?: string; functionId?: string } = {}): Promise<Response> {
  const token = signSdkToken(s.origin.forwardKey(), {
    functionId: o.functionId ?? fn.functionId,
    invocationId: "inv_test",
    expiresAt: Date.now() + 60_000,
  });
  return fetch(`${s.origin.apiUrl}/internal/sdk`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${o.key ?? s.origin.apiKey}`,
      [SDK_TOKEN_HEADER]: token,
      "content-type": "application/json",
    },
    body: JSON.stringify(body),
  });
}

async function errorCode(res: Response): Promise<[number, string]> {
  return [res.status, ((await res.json()) as { error: { code: string } }).error.code];
}

const create = { service: "db", method: "create", args: { collection: "notes", doc: { id: "a", text: "hi" } } };
const get = { service: "db", method: "get", args: { collection: "notes", id: "a" } };

test("another key gets 401 FN_009 and creates no store; another function's token 403 FN_009", async () => {
  const dir = join(tempDir(), "local");
  const s = await startLocalServices(fn, { dir });
  try {
    assert.deepEqual(await errorCode(await call(s, create, { key: "guessed" })), [401, "FN_009"]);
    assert.ok(!existsSync(dir), "no store for a caller without the run's key");
    assert.deepEqual(await errorCode(await call(s, create, { functionId: "local-other" })), [403, "FN_009"]);
    assert.equal(s.openedDir(), dir);
    assert.deepEqual(s.events, []);
  } finally {
    await s.close();
  }
});

test("writes persist across runs, publish their events, and --reset-data removes only the store", async () => {
  const dir = join(tempDir(), "local");
  const first = await startLocalServices(fn, { dir });
  try {
    const res = await call(first, create);
    assert.equal(res.status, 200, await res.clone().text());
    assert.deepEqual(((await res.json()) as { result: unknown }).result, { id: "a", text: "hi" });
    assert.equal(first.events.length, 1);
    const [event] = first.events;
    assert.equal(event.type, "database.create");
    assert.equal(event.source, "/db/notes");
    assert.deepEqual(event.metadata, { attempt: 1, collection: "notes", documentId: "a" });
    assert.deepEqual(await errorCode(await call(first, { ...create, args: { collection: "no spaces", doc: {} } })), [
      400,
      "FN_006",
    ]);
    assert.equal(first.events.length, 1, "a refused write publishes nothing");
  } finally {
    await first.close();
  }
  writeFileSync(join(dir, "notes.txt"), "mine");

  const second = await startLocalServices(fn, { dir });
  try {
    const res = await call(second, get);
    assert.deepEqual(((await res.json()) as { result: unknown }).result, { id: "a", text: "hi" });
  } finally {
    await second.close();
  }

  const reset = await startLocalServices(fn, { dir, reset: true });
  try {
    assert.deepEqual(readdirSync(dir), ["notes.txt"], "reset keeps files that are not the store's");
    assert.deepEqual(await errorCode(await call(reset, get)), [404, "FN_001"]);
  } finally {
    await reset.close();
  }
  resetLocalData(dir);
  assert.deepEqual(readdirSync(dir), ["notes.txt"]);
});

test("a temporary store is removed at close; a store that cannot open is FN_004, not a crash", async () => {
  const temp = await startLocalServices(fn, { temporary: true });
  let tempDirPath: string | undefined;
  try {
    assert.equal((await call(temp, create)).status, 200);
    tempDirPath = temp.openedDir();
    assert.ok(tempDirPath && existsSync(join(tempDirPath, "bunbase.db")));
  } finally {
    await temp.close();
  }
  assert.ok(tempDirPath && !existsSync(tempDirPath));

  const parent = tempDir();
  mkdirSync(join(parent, "local"));
  writeFileSync(join(parent, "local", "bunbase.db"), "not a database");
  const broken = await startLocalServices(fn, { dir: join(parent, "local") });
  try {
    const res = await call(broken, create);
    assert.deepEqual(await errorCode(res), [502, "FN_004"]);
    assert.match(broken.problems[0], /could not be opened/);
  } finally {
    await broken.close();
  }
});
