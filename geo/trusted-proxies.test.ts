import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isBunbaseError } from "../core/src/errors.ts";
import { normalizeIpAddress } from "./ip-address.ts";
import { clientAddress, TrustedProxies } from "./trusted-proxies.ts";

const proxies = TrustedProxies.parse("10.0.0.0/8, 192.168.1.7 ,2001:db8:cafe::/48,::1,");

describe("TrustedProxies.parse", () => {
  it("reads IPv4 and IPv6 addresses and CIDR blocks, ignoring empty entries", () => {
    assert.deepEqual(proxies.entries, ["10.0.0.0/8", "192.168.1.7/32", "2001:db8:cafe::/48", "::1/128"]);
    assert.ok(proxies.contains("10.20.30.40"));
    assert.ok(proxies.contains("192.168.1.7"));
    assert.ok(!proxies.contains("192.168.1.8"));
    assert.ok(proxies.contains("2001:db8:cafe:1::5"));
    assert.ok(!proxies.contains("2001:db8:caff::5"));
    assert.ok(proxies.contains("::1"));
    assert.ok(!proxies.contains("not an address"));
  });

  it("matches an IPv4-mapped peer against IPv4 blocks, and a mapped block against IPv4", () => {
    assert.ok(proxies.contains("::ffff:10.1.2.3"));
    const mapped = TrustedProxies.parse("::ffff:172.16.0.0/108");
    assert.deepEqual(mapped.entries, ["172.16.0.0/12"]);
    assert.ok(mapped.contains("172.31.255.255"));
    assert.ok(mapped.contains("::ffff:172.16.0.1"));
  });

  it("is empty when unset, trusting nobody", () => {
    assert.equal(TrustedProxies.parse(undefined).size, 0);
    assert.equal(TrustedProxies.parse(" , ").size, 0);
    assert.equal(TrustedProxies.fromEnv({}).size, 0);
    assert.equal(TrustedProxies.fromEnv({ BUNBASE_TRUSTED_PROXIES: "10.0.0.1" }).size, 1);
  });

  for (const bad of [
    "10.0.0.0/33",
    "2001:db8::/129",
    "10.0.0",
    "127.1",
    "example.com",
    "10.0.0.0/",
    "10.0.0.0/8/8",
    "::ffff:1.2.3.4/90",
  ]) {
    it(`refuses "${bad}" with FN_006 naming the entry and the variable`, () => {
      assert.throws(
        () => TrustedProxies.parse(`10.0.0.0/8, ${bad}`),
        (err: unknown) => {
          assert.ok(isBunbaseError(err));
          assert.equal(err.code, "FN_006");
          assert.equal(err.details?.path, "BUNBASE_TRUSTED_PROXIES");
          assert.equal(err.details?.entry, bad);
          assert.ok(err.message.includes(`entry 2 "${bad}"`), err.message);
          return true;
        },
      );
    });
  }
});

describe("clientAddress", () => {
  it("is the socket peer when the peer is not a trusted proxy, whatever x-forwarded-for says", () => {
    assert.equal(clientAddress("203.0.113.9", "1.2.3.4", proxies), "203.0.113.9");
    assert.equal(clientAddress("203.0.113.9", "1.2.3.4", TrustedProxies.none), "203.0.113.9");
    assert.equal(clientAddress("::ffff:203.0.113.9", null, proxies), "203.0.113.9");
    assert.equal(clientAddress("2001:DB8::0:1", undefined, proxies), "2001:db8::1");
  });

  it("is the right-most untrusted x-forwarded-for entry behind a chain of trusted proxies", () => {
    // The client lied ("6.6.6.6"); the first trusted proxy appended the real peer.
    const header = "6.6.6.6, 81.2.69.142, 10.0.0.3, 192.168.1.7";
    assert.equal(clientAddress("10.0.0.2", header, proxies), "81.2.69.142");
    assert.equal(clientAddress("::ffff:10.0.0.2", header, proxies), "81.2.69.142");
    assert.equal(clientAddress("10.0.0.2", "81.2.69.142", proxies), "81.2.69.142");
  });

  it("reads several x-forwarded-for headers as one list", () => {
    assert.equal(clientAddress("10.0.0.2", ["6.6.6.6, 81.2.69.142", "10.0.0.3"], proxies), "81.2.69.142");
  });

  it("handles IPv6 proxies and clients, ports and brackets", () => {
    assert.equal(clientAddress("::1", "2001:480::1, 2001:db8:cafe::2", proxies), "2001:480::1");
    assert.equal(clientAddress("::1", "[2001:480::1]:5555", proxies), "2001:480::1");
    assert.equal(clientAddress("2001:db8:cafe::9", "81.2.69.142:443", proxies), "81.2.69.142");
    assert.equal(clientAddress("::1", "::ffff:81.2.69.142", proxies), "81.2.69.142");
  });

  it("stops at junk, answering the trusted hop that wrote it", () => {
    assert.equal(clientAddress("10.0.0.2", "81.2.69.142, unknown", proxies), "10.0.0.2");
    assert.equal(clientAddress("10.0.0.2", "81.2.69.142, unknown, 10.0.0.3", proxies), "10.0.0.3");
    assert.equal(clientAddress("10.0.0.2", "81.2.69.142, 123", proxies), "10.0.0.2");
    assert.equal(clientAddress("10.0.0.2", "[2001:480::1", proxies), "10.0.0.2");
  });

  it("skips empty entries and whitespace", () => {
    assert.equal(clientAddress("10.0.0.2", " 81.2.69.142 ,, ,10.0.0.3 ", proxies), "81.2.69.142");
  });

  it("is the peer for a trusted peer without x-forwarded-for, and the left-most hop when all are trusted", () => {
    assert.equal(clientAddress("10.0.0.2", undefined, proxies), "10.0.0.2");
    assert.equal(clientAddress("10.0.0.2", "", proxies), "10.0.0.2");
    assert.equal(clientAddress("10.0.0.2", "10.9.9.9, 10.0.0.3", proxies), "10.9.9.9");
  });

  it("is null when the socket has no address", () => {
    assert.equal(clientAddress(undefined, "81.2.69.142", proxies), null);
    assert.equal(clientAddress("garbage", "81.2.69.142", proxies), null);
  });
});

describe("normalizeIpAddress", () => {
  it("accepts the spellings a socket or proxy writes and refuses the rest", () => {
    assert.equal(normalizeIpAddress("fe80::1%eth0"), "fe80::1");
    assert.equal(normalizeIpAddress("[::1]"), "::1");
    assert.equal(normalizeIpAddress("1.2.3.4:99999"), null);
    assert.equal(normalizeIpAddress("0x7f.0.0.1"), null);
    assert.equal(normalizeIpAddress("1.2.3.4.5"), null);
    assert.equal(normalizeIpAddress("256.1.1.1"), null);
  });
});
