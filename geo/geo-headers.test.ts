import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GEO_HEADER_NAMES, geoHeaders, headerValue } from "./geo-headers.ts";
import { unknownGeo, type GeoInfo } from "./geo-info.ts";

const linkoping: GeoInfo = {
  country: "SE",
  continent: "EU",
  region: "E",
  city: "Linköping",
  latitude: 58.4167,
  longitude: 15.6167,
  asn: 29518,
  timezone: "Europe/Stockholm",
};

describe("geoHeaders", () => {
  it("sets the contract's six headers, percent-encoding a non-ASCII city", () => {
    assert.deepEqual(geoHeaders(linkoping), {
      "x-bunbase-country": "SE",
      "x-bunbase-region": "E",
      "x-bunbase-city": "Link%C3%B6ping",
      "x-bunbase-latitude": "58.4167",
      "x-bunbase-longitude": "15.6167",
      "x-bunbase-asn": "29518",
    });
    assert.equal(decodeURIComponent(geoHeaders(linkoping)["x-bunbase-city"]), "Linköping");
  });

  it("gives values a Headers object accepts as they are", () => {
    const headers = new Headers(geoHeaders({ ...linkoping, city: "Łódź\n%20 São Paulo 東京" }));
    const city = headers.get("x-bunbase-city") ?? "";
    assert.equal(decodeURIComponent(city), "Łódź\n%20 São Paulo 東京");
    assert.match(city, /^[\x20-\x7e]+$/);
  });

  it("leaves out unknown fields rather than sending empty or null values", () => {
    assert.deepEqual(geoHeaders(unknownGeo()), {});
    assert.deepEqual(geoHeaders(null), {});
    assert.deepEqual(geoHeaders({ ...unknownGeo(), country: "JP", latitude: 0 }), {
      "x-bunbase-country": "JP",
      "x-bunbase-latitude": "0",
    });
  });

  it("names every header it can set, for the edge to strip from incoming requests", () => {
    assert.deepEqual([...GEO_HEADER_NAMES].sort(), Object.keys(geoHeaders(linkoping)).sort());
  });
});

describe("headerValue", () => {
  it("keeps plain ASCII, trims, and encodes controls, % and lone surrogates", () => {
    assert.equal(headerValue("San Diego"), "San Diego");
    assert.equal(headerValue("  x  "), "x");
    assert.equal(headerValue("a\tb\x7f"), "a%09b%7F");
    assert.equal(headerValue("100%"), "100%25");
    assert.equal(headerValue("\ud800x"), "%EF%BF%BDx");
    assert.equal(headerValue("😀"), "%F0%9F%98%80");
  });
});
