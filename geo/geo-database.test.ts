import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import { readFileSync } from "node:fs";
import { isBunbaseError } from "../core/src/errors.ts";
import { GeoDatabase } from "./geo-database.ts";
import { recordingLog, testDatabase } from "./test-support.ts";

const CITY = testDatabase("GeoLite2-City-Test.mmdb");
const ASN = testDatabase("GeoLite2-ASN-Test.mmdb");
const INVALID = testDatabase("GeoIP2-City-Test-Invalid-Node-Count.mmdb");

/** Asserts `promise` rejects with FN_006 naming `file`, and returns the message. */
async function rejectsNaming(promise: Promise<unknown>, file: string, setting = "BUNBASE_GEOIP_DB"): Promise<string> {
  try {
    await promise;
  } catch (err) {
    assert.ok(isBunbaseError(err), `expected a BunbaseError, got ${String(err)}`);
    assert.equal(err.code, "FN_006");
    assert.equal(err.details?.path, setting);
    assert.equal(err.details?.file, file);
    assert.ok(err.message.startsWith(`${setting}: `), err.message);
    assert.ok(err.message.includes(file), err.message);
    return err.message;
  }
  assert.fail("expected the database to be refused");
}

describe("GeoDatabase lookups (City + ASN test databases)", () => {
  let db: GeoDatabase;
  before(async () => {
    db = await GeoDatabase.open({ path: CITY, asnPath: ASN, watch: false, log: recordingLog() });
  });
  after(() => db.close());

  it("finds an IPv4 address: country, continent, region, city, coordinates, time zone", () => {
    assert.deepEqual(db.lookup("81.2.69.142"), {
      country: "GB",
      continent: "EU",
      region: "ENG",
      city: "London",
      latitude: 51.5142,
      longitude: -0.0931,
      asn: null,
      timezone: "Europe/London",
    });
  });

  it("takes the ASN from the ASN database", () => {
    const se = db.lookup("89.160.20.112");
    assert.equal(se.country, "SE");
    assert.equal(se.city, "Linköping");
    assert.equal(se.asn, 29518);
    const us = db.lookup("216.160.83.56");
    assert.deepEqual([us.country, us.continent, us.region, us.city, us.asn], ["US", "NA", "WA", "Milton", 209]);
  });

  it("finds IPv6 addresses, with and without a city", () => {
    const sanDiego = db.lookup("2001:480::1");
    assert.deepEqual([sanDiego.country, sanDiego.region, sanDiego.city], ["US", "CA", "San Diego"]);
    assert.equal(sanDiego.timezone, "America/Los_Angeles");
    const japan = db.lookup("2001:218::1");
    assert.deepEqual([japan.country, japan.continent, japan.city, japan.region], ["JP", "AS", null, null]);
    assert.equal(db.lookup("2600:6000::1").asn, 237);
  });

  it("reads IPv4-mapped IPv6, a port and brackets as the plain address", () => {
    const london = db.lookup("81.2.69.142");
    assert.deepEqual(db.lookup("::ffff:81.2.69.142"), london);
    assert.deepEqual(db.lookup("81.2.69.142:443"), london);
    assert.equal(db.lookup("[2001:480::1]:443").city, "San Diego");
  });

  it("gives every field null for an unknown address or a non-address", () => {
    const nothing = db.lookup("10.0.0.1");
    assert.ok(Object.values(nothing).every((value) => value === null));
    assert.deepEqual(db.lookup("not-an-ip"), nothing);
    assert.deepEqual(db.lookup(""), nothing);
    assert.deepEqual(db.lookup("127.1"), nothing);
  });

  it("says which files it serves", () => {
    const files = db.describe();
    assert.equal(files.location.file, CITY);
    assert.equal(files.location.databaseType, "GeoLite2-City");
    assert.equal(files.asn?.databaseType, "GeoLite2-ASN");
  });
});

describe("GeoDatabase without an ASN database", () => {
  it("leaves asn null, and serves a Country database without city fields", async () => {
    const db = await GeoDatabase.open({ path: testDatabase("GeoLite2-Country-Test.mmdb"), watch: false });
    const info = db.lookup("89.160.20.112");
    assert.deepEqual(
      [info.country, info.continent, info.city, info.latitude, info.asn],
      ["SE", "EU", null, null, null],
    );
    db.close();
  });
});

describe("GeoDatabase refuses a bad file with FN_006 naming it", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "bunbase-geo-"));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("a missing file", async () => {
    const file = join(dir, "missing.mmdb");
    const message = await rejectsNaming(GeoDatabase.open({ path: file, watch: false }), file);
    assert.match(message, /does not exist/);
  });

  it("a database whose node count points past its end (invalid-node-count)", async () => {
    const message = await rejectsNaming(GeoDatabase.open({ path: INVALID, watch: false }), INVALID);
    assert.match(message, /is corrupt: its search tree \(100000 nodes/);
  });

  it("a file that is not a MaxMind DB", async () => {
    const file = testDatabase("GeoLite2-City-Test.json");
    const message = await rejectsNaming(GeoDatabase.open({ path: file, watch: false }), file);
    assert.match(message, /is not a MaxMind DB \(\.mmdb\) file/);
  });

  it("an empty file, a gzip archive and a directory", async () => {
    const empty = join(dir, "empty.mmdb");
    await writeFile(empty, "");
    assert.match(await rejectsNaming(GeoDatabase.open({ path: empty, watch: false }), empty), /not a MaxMind DB/);
    const gz = join(dir, "city.mmdb.gz");
    await writeFile(gz, gzipSync(readFileSync(CITY)));
    assert.match(await rejectsNaming(GeoDatabase.open({ path: gz, watch: false }), gz), /gzip-compressed/);
    assert.match(await rejectsNaming(GeoDatabase.open({ path: dir, watch: false }), dir), /is a directory/);
  });

  it("a bad ASN database, named as BUNBASE_GEOIP_ASN_DB", async () => {
    const open = GeoDatabase.open({ path: CITY, asnPath: INVALID, watch: false });
    await rejectsNaming(open, INVALID, "BUNBASE_GEOIP_ASN_DB");
  });
});

describe("GeoDatabase.fromEnv", () => {
  it("is null without BUNBASE_GEOIP_DB: the edge runs without geo data", async () => {
    assert.equal(await GeoDatabase.fromEnv({}), null);
    assert.equal(await GeoDatabase.fromEnv({ BUNBASE_GEOIP_DB: " " }), null);
  });

  it("opens both databases the variables name", async () => {
    const db = await GeoDatabase.fromEnv({ BUNBASE_GEOIP_DB: CITY, BUNBASE_GEOIP_ASN_DB: ASN }, { watch: false });
    assert.equal(db?.lookup("89.160.20.112").asn, 29518);
    db?.close();
  });

  it("refuses an ASN database without a location database", async () => {
    await assert.rejects(GeoDatabase.fromEnv({ BUNBASE_GEOIP_ASN_DB: ASN }), (err: unknown) => {
      assert.ok(isBunbaseError(err));
      assert.equal(err.details?.path, "BUNBASE_GEOIP_ASN_DB");
      return true;
    });
  });
});
