import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { EdgeConfig } from "../bundler/src/edge-schema.ts";
import { unknownGeo, type GeoInfo } from "./geo-info.ts";
import { matchGeoRule, type GeoRule } from "./geo-rules.ts";

type SchemaRule = NonNullable<EdgeConfig["geo"]>[number];

const at = (country: string | null, continent: string | null): GeoInfo => ({ ...unknownGeo(), country, continent });

const rules: SchemaRule[] = [
  { countries: ["GB"], destination: "/uk/:path*" },
  { countries: ["KP", "IR"], block: true },
  { continents: ["EU"], region: "eu-west" },
  { countries: ["US"], continents: ["OC"], region: "us-west" },
];

describe("matchGeoRule", () => {
  it("returns the first rule whose countries or continents hold the client", () => {
    assert.equal(matchGeoRule(rules, at("GB", "EU")), rules[0], "GB is also in EU: the first rule wins");
    assert.equal(matchGeoRule(rules, at("IR", "AS")), rules[1]);
    assert.equal(matchGeoRule(rules, at("SE", "EU")), rules[2]);
    assert.equal(matchGeoRule(rules, at("US", "NA")), rules[3]);
    assert.equal(matchGeoRule(rules, at("AU", "OC")), rules[3], "countries or continents: either list suffices");
  });

  it("returns null when no rule matches, or nothing is known", () => {
    assert.equal(matchGeoRule(rules, at("JP", "AS")), null);
    assert.equal(matchGeoRule(rules, unknownGeo()), null);
    assert.equal(matchGeoRule(rules, at(null, "AS")), null);
    assert.equal(matchGeoRule(rules, null), null);
    assert.equal(matchGeoRule([], at("GB", "EU")), null);
    assert.equal(matchGeoRule(undefined, at("GB", "EU")), null);
  });

  it("never matches a rule with neither countries nor continents, or with empty lists", () => {
    const loose: GeoRule[] = [{ region: "anywhere" }, { countries: [], continents: [], block: true }];
    assert.equal(matchGeoRule(loose, at("GB", "EU")), null);
    assert.equal(matchGeoRule([...loose, rules[0]], at("GB", "EU")), rules[0]);
  });

  it("compares codes exactly, as the schema stores them upper case", () => {
    assert.equal(matchGeoRule([{ countries: ["GB"], block: true }], at("gb", "eu")), null);
  });
});
