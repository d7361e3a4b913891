// A database whose metadata is fine but whose data is damaged: refused at load when the
// damage is where a probe address looks, and never a thrown lookup when it is elsewhere.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Reader } from "maxmind";
import { isBunbaseError } from "../core/src/errors.ts";
import { GeoDatabase } from "./geo-database.ts";
import { recordingLog, testDatabase } from "./test-support.ts";

const CITY = readFileSync(testDatabase("GeoLite2-City-Test.mmdb"));
// "\xAB\xCD\xEFMaxMind.com" starts the metadata (MaxMind DB spec, "Database Metadata").
const METADATA_MARKER = Buffer.from("abcdef4d61784d696e642e636f6d", "hex");

describe("a database with damaged data", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "bunbase-geo-corrupt-"));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("is refused at load when a probe address cannot be decoded", async () => {
    const bytes = Buffer.from(CITY);
    const dataStart = new Reader(bytes).metadata.searchTreeSize + 16;
    bytes.fill(0xff, dataStart, bytes.lastIndexOf(METADATA_MARKER));
    const file = join(dir, "data-wiped.mmdb");
    await writeFile(file, bytes);
    await assert.rejects(GeoDatabase.open({ path: file, watch: false }), (err: unknown) => {
      assert.ok(isBunbaseError(err));
      assert.equal(err.code, "FN_006");
      assert.match(err.message, /data-wiped\.mmdb is corrupt: looking up \S+ failed/);
      return true;
    });
  });

  it("answers unknown, logging once, for an address whose record is damaged", async () => {
    // Changchun (175.16.199.0/24) is not a probe address: damage the type byte of its name.
    const bytes = Buffer.from(CITY);
    const name = bytes.indexOf("Changchun");
    assert.ok(name > 0);
    bytes[name - 1] = 0xff;
    const file = join(dir, "changchun-damaged.mmdb");
    await writeFile(file, bytes);
    const log = recordingLog();
    const db = await GeoDatabase.open({ path: file, watch: false, log });
    assert.equal(db.lookup("175.16.199.1").country, null);
    assert.equal(db.lookup("175.16.199.2").country, null);
    assert.equal(db.lookup("81.2.69.142").city, "London", "the rest of the database still serves");
    assert.deepEqual(
      log.lines.map((line) => [line.level, line.fields.file]),
      [["error", file]],
    );
    db.close();
  });
});
