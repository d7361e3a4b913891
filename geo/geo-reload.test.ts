import assert from "node:assert/strict";
import { copyFile, mkdtemp, rename, rm, unlink, writeFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { GeoDatabase } from "./geo-database.ts";
import { recordingLog, testDatabase } from "./test-support.ts";
import type { ReloadResult } from "./watched-mmdb.ts";

const CITY = testDatabase("GeoLite2-City-Test.mmdb");
const COUNTRY = testDatabase("GeoLite2-Country-Test.mmdb");
const INVALID = testDatabase("GeoIP2-City-Test-Invalid-Node-Count.mmdb");

/** A database on a temp file, and a way to wait for the watcher's next reload attempt. */
async function watchedCopy(dir: string) {
  const file = join(dir, "GeoIP.mmdb");
  await copyFile(CITY, file);
  const log = recordingLog();
  const results: ReloadResult[] = [];
  let notify: (() => void) | null = null;
  const db = await GeoDatabase.open({
    path: file,
    debounceMs: 50,
    log,
    onReload: (result) => {
      results.push(result);
      notify?.();
    },
  });
  /**
   * Resolves with the next reload result that is `ok` or not, as asked (fails the test
   * after 5 s). Results of the other kind are passed over: a slow machine may read a file
   * while it is half written, fail, and load it whole on the next event.
   */
  const nextReload = (ok: boolean): Promise<ReloadResult> =>
    new Promise((resolve, reject) => {
      let seen = results.length;
      const timer = setTimeout(() => reject(new Error(`no reload with ok=${ok} within 5 s`)), 5000);
      notify = () => {
        for (; seen < results.length; seen++) {
          if (results[seen].ok !== ok) continue;
          clearTimeout(timer);
          notify = null;
          resolve(results[seen]);
          return;
        }
      };
    });
  return { file, db, log, results, nextReload };
}

describe("GeoDatabase reloads its file when it changes", () => {
  let dir: string;
  let setup: Awaited<ReturnType<typeof watchedCopy>>;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "bunbase-geo-reload-"));
    setup = await watchedCopy(dir);
  });
  afterEach(async () => {
    setup.db.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("serves the new database after a copy over the file", async () => {
    const { db, file, nextReload, log } = setup;
    assert.equal(db.lookup("81.2.69.142").city, "London");
    const reloaded = nextReload(true);
    await copyFile(COUNTRY, file);
    const result = await reloaded;
    assert.ok(result.ok);
    assert.equal(result.databaseType, "GeoLite2-Country");
    assert.equal(db.lookup("81.2.69.142").city, null, "the Country database has no cities");
    assert.equal(db.lookup("81.2.69.142").country, "GB");
    assert.ok(log.lines.some((line) => line.level === "info" && line.msg === "GeoIP database reloaded"));
  });

  it("serves the new database after a rename into place (how geoipupdate writes)", async () => {
    const { db, file, nextReload } = setup;
    const staged = join(dir, "GeoIP.mmdb.tmp");
    await copyFile(COUNTRY, staged);
    const reloaded = nextReload(true);
    await rename(staged, file);
    assert.ok((await reloaded).ok);
    assert.equal(db.lookup("2001:480::1").city, null);
    assert.equal(db.lookup("2001:480::1").country, "US");
  });

  it("keeps serving the old database when the new file is corrupt, and logs it", async () => {
    const { db, file, nextReload, log } = setup;
    const reloaded = nextReload(false);
    await copyFile(INVALID, file);
    const result = await reloaded;
    assert.equal(result.ok, false);
    assert.ok(!result.ok && result.error.message.includes(file), "the error names the file");
    assert.equal(db.lookup("81.2.69.142").city, "London", "still the previous database");
    const logged = log.lines.find((line) => line.level === "error");
    assert.equal(logged?.fields.file, file);
    assert.match(String(logged?.fields.err), /is corrupt/);

    // A good file afterwards is picked up as usual.
    const recovered = nextReload(true);
    await copyFile(COUNTRY, file);
    assert.ok((await recovered).ok);
    assert.equal(db.lookup("81.2.69.142").city, null);
  });

  it("ends on the complete file when it is written in two halves", async () => {
    const { db, file, nextReload } = setup;
    const bytes = readFileSync(COUNTRY);
    const reloaded = nextReload(true);
    await writeFile(file, bytes.subarray(0, bytes.length >> 1));
    await writeFile(file, bytes);
    assert.ok((await reloaded).ok);
    assert.equal(db.lookup("81.2.69.142").city, null);
  });

  it("keeps serving when the file is deleted, warning once", async () => {
    const { db, file, log } = setup;
    await unlink(file);
    await db.reload();
    await db.reload();
    assert.equal(db.lookup("81.2.69.142").city, "London");
    assert.equal(log.lines.filter((line) => line.msg.includes("is gone")).length, 1);
  });

  it("stops watching on close", async () => {
    const { db, file, results } = setup;
    db.close();
    await copyFile(COUNTRY, file);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(results.length, 0);
    assert.equal(db.lookup("81.2.69.142").city, "London");
  });
});

describe("GeoDatabase.reload without a watcher", () => {
  it("loads a changed file on demand, and does nothing for an unchanged one", async () => {
    const dir = await mkdtemp(join(tmpdir(), "bunbase-geo-reload-"));
    const file = join(dir, "GeoIP.mmdb");
    await copyFile(CITY, file);
    const results: ReloadResult[] = [];
    const db = await GeoDatabase.open({
      path: file,
      watch: false,
      log: recordingLog(),
      onReload: (result) => results.push(result),
    });
    await db.reload();
    assert.equal(results.length, 0);
    await copyFile(COUNTRY, file);
    await db.reload();
    assert.equal(results.length, 1);
    assert.equal(db.lookup("81.2.69.142").city, null);
    db.close();
    await rm(dir, { recursive: true, force: true });
  });
});
