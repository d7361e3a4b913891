import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkDestination, classifyAddress, matchesHostPattern, type EgressConfig } from "./egress-policy.ts";

const open: EgressConfig = { egress: true };
const verdict = (url: string, address: string, config: EgressConfig = open, deniedHosts: string[] = []) =>
  checkDestination(new URL(url), address, config, { deniedHosts });

describe("egress policy: addresses", () => {
  const cases: [string, string][] = [
    ["127.0.0.1", "loopback"],
    ["127.255.0.9", "loopback"],
    ["::1", "loopback"],
    ["10.1.2.3", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.1.1", "private"],
    ["100.64.0.1", "private"],
    ["fc00::1", "private"],
    ["fd12:3456::1", "private"],
    ["169.254.169.254", "link-local"],
    ["fe80::1", "link-local"],
    ["febf::1", "link-local"],
    ["0.0.0.0", "never"],
    ["::", "never"],
    ["224.0.0.1", "never"],
    ["ff02::1", "never"],
    ["255.255.255.255", "never"],
    ["8.8.8.8", "public"],
    ["172.32.0.1", "public"],
    ["2606:4700::1111", "public"],
    // IPv4 inside IPv6: judged by the IPv4 address.
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:7f00:1", "loopback"],
    ["::ffff:169.254.169.254", "link-local"],
    ["::ffff:a9fe:a9fe", "link-local"],
    ["::ffff:10.0.0.1", "private"],
    ["64:ff9b::7f00:1", "loopback"],
    ["2002:a9fe:a9fe::1", "link-local"],
    ["::127.0.0.1", "loopback"],
    ["::ffff:8.8.8.8", "public"],
    ["fe80::1%eth0", "link-local"],
  ];
  for (const [address, kind] of cases) {
    it(`${address} is ${kind}`, () => assert.equal(classifyAddress(address).kind, kind));
  }
  it("a host name is not an address", () => assert.equal(classifyAddress("example.com").kind, "never"));
});

describe("egress policy: destinations", () => {
  it("egress: true opens public addresses, not private ones", () => {
    assert.deepEqual(verdict("https://example.com/", "93.184.216.34"), { ok: true });
    const refused = verdict("http://127.0.0.1:8080/", "127.0.0.1");
    assert.equal(refused.ok, false);
    assert.match((refused as { reason: string }).reason, /loopback address and vpc.allowPrivateNetworks is off/);
    assert.equal(verdict("http://metadata/", "169.254.169.254").ok, false);
    assert.equal(verdict("http://x/", "::ffff:169.254.169.254").ok, false);
  });

  it("egress off (the default) refuses every public host not in allowedHosts", () => {
    const refused = verdict("https://example.com/", "93.184.216.34", {});
    assert.match((refused as { reason: string }).reason, /not in vpc.allowedHosts and vpc.egress is off/);
    const allowed: EgressConfig = { allowedHosts: ["api.example.com", "*.cdn.example.com", "ports.example.com:8443"] };
    assert.equal(verdict("https://api.example.com/x", "93.184.216.34", allowed).ok, true);
    assert.equal(verdict("https://API.example.com./x", "93.184.216.34", allowed).ok, true);
    assert.equal(verdict("https://other.example.com/", "93.184.216.34", allowed).ok, false);
    assert.equal(verdict("https://a.cdn.example.com/", "93.184.216.34", allowed).ok, true);
    assert.equal(verdict("https://cdn.example.com/", "93.184.216.34", allowed).ok, false);
    assert.equal(verdict("https://ports.example.com:8443/", "93.184.216.34", allowed).ok, true);
    assert.equal(verdict("https://ports.example.com/", "93.184.216.34", allowed).ok, false);
  });

  it("an allowed host that resolves to a private address is still refused", () => {
    const config: EgressConfig = { allowedHosts: ["api.example.com"] };
    assert.equal(verdict("https://api.example.com/", "10.0.0.5", config).ok, false);
  });

  it("allowPrivateNetworks opens private, loopback and link-local addresses", () => {
    const config: EgressConfig = { allowPrivateNetworks: true };
    assert.equal(verdict("http://127.0.0.1:3000/", "127.0.0.1", config).ok, true);
    assert.equal(verdict("http://db.internal/", "10.0.0.5", config).ok, true);
    assert.equal(verdict("http://[fe80::1]/", "fe80::1", config).ok, true);
    // ...but not public ones, and never unspecified or multicast addresses.
    assert.equal(verdict("https://example.com/", "93.184.216.34", config).ok, false);
    assert.equal(verdict("http://0.0.0.0/", "0.0.0.0", { ...config, egress: true }).ok, false);
    assert.equal(verdict("http://x/", "224.0.0.1", { ...config, egress: true }).ok, false);
  });

  it("refuses the control plane by name or by address unless allowPrivateNetworks", () => {
    const denied = ["127.0.0.1:8700", "origin.example.com:443"];
    const byAddress = verdict("http://localhost:8700/internal", "::ffff:127.0.0.1", open, denied);
    assert.match((byAddress as { reason: string }).reason, /control plane/);
    assert.equal(verdict("https://origin.example.com/", "93.184.216.34", open, denied).ok, false);
    assert.equal(verdict("https://origin.example.com:444/", "93.184.216.34", open, denied).ok, true);
    assert.equal(verdict("http://127.0.0.1:8700/", "127.0.0.1", { allowPrivateNetworks: true }, denied).ok, true);
  });

  it("only http: and https:", () => {
    assert.match(
      (verdict("ftp://example.com/", "93.184.216.34") as { reason: string }).reason,
      /only http: and https:/,
    );
  });

  it("matches host patterns", () => {
    assert.equal(matchesHostPattern("*.example.com", "a.b.example.com", "443"), true);
    assert.equal(matchesHostPattern("*.example.com", "example.com", "443"), false);
    assert.equal(matchesHostPattern("*.example.com", "badexample.com", "443"), false);
    assert.equal(matchesHostPattern("example.com:80", "example.com", "443"), false);
  });
});
