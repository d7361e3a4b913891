import assert from "node:assert/strict";
import { test } from "node:test";
import { CidrList } from "./cidr-list.ts";
import { IpRules } from "./ip-rules.ts";

test("CIDR blocks and bare addresses, v4 and v6, v4-mapped clients", () => {
  const list = new CidrList(["203.0.113.0/24", "2001:db8::/32", "127.0.0.1", "::1"]);
  assert.ok(list.has("203.0.113.77"));
  assert.ok(list.has("::ffff:203.0.113.77"));
  assert.ok(!list.has("203.0.114.1"));
  assert.ok(list.has("2001:db8:1::5"));
  assert.ok(!list.has("2001:db9::1"));
  assert.ok(list.has("127.0.0.1"));
  assert.ok(list.has("::1"));
  assert.ok(!list.has("not an address"));
  assert.ok(new CidrList(["::ffff:10.0.0.0/104"]).has("10.1.2.3"));
});

test("deny wins over allow; with an allow list anything else is denied", () => {
  const rules = new IpRules(["10.0.0.0/8"], ["10.0.0.5"]);
  assert.equal(rules.check("10.1.1.1"), undefined);
  assert.equal(rules.check("10.0.0.5")?.code, "FN_009");
  assert.equal(rules.check("10.0.0.5")?.status, 403);
  assert.equal(rules.check("192.0.2.1")?.code, "FN_009");
  const denyOnly = new IpRules(undefined, ["::1", "127.0.0.0/8"]);
  assert.equal(denyOnly.check("192.0.2.1"), undefined);
  assert.equal(denyOnly.check("::1")?.code, "FN_009");
  assert.equal(denyOnly.check("::ffff:127.0.0.1")?.code, "FN_009");
});
