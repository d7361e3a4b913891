import assert from "node:assert/strict";
import { test } from "node:test";
import { AbTests, abCookie, parseCookies, secureRandom } from "./ab-tests.ts";

const checkout = {
  name: "checkout",
  variants: [
    { name: "a", weight: 30 },
    { name: "b", weight: 10, destination: "/b/:path*" },
    { name: "off", weight: 0 },
  ],
};

test("weights are relative shares of a uniform draw", () => {
  const at = (draw: number) => new AbTests([checkout], () => draw).assign(undefined)[0].variant.name;
  assert.equal(at(0), "a");
  assert.equal(at(0.74), "a");
  assert.equal(at(0.75), "b");
  assert.equal(at(0.999999), "b");
});

test("over many draws the split follows the weights (CSPRNG)", () => {
  const tests = new AbTests([checkout]);
  let b = 0;
  const n = 20_000;
  for (let i = 0; i < n; i++) if (tests.assign(undefined)[0].variant.name === "b") b++;
  assert.ok(Math.abs(b / n - 0.25) < 0.02, `b got ${b / n}`);
  for (let i = 0; i < 1000; i++) {
    const x = secureRandom();
    assert.ok(x >= 0 && x < 1);
  }
});

test("a valid cookie keeps its variant; unknown or switched-off variants are reassigned", () => {
  const tests = new AbTests([checkout], () => 0);
  assert.deepEqual(
    tests.assign("other=1; bb_ab_checkout=b").map((a) => [a.variant.name, a.fresh]),
    [["b", false]],
  );
  assert.deepEqual(
    tests.assign("bb_ab_checkout=zzz").map((a) => [a.variant.name, a.fresh]),
    [["a", true]],
  );
  assert.deepEqual(
    tests.assign("bb_ab_checkout=off").map((a) => [a.variant.name, a.fresh]),
    [["a", true]],
  );
});

test("the cookie is Path=/, SameSite=Lax with a Max-Age", () => {
  const [assignment] = new AbTests([checkout], () => 0.9).assign(undefined);
  assert.equal(abCookie(assignment), "bb_ab_checkout=b; Path=/; Max-Age=2592000; SameSite=Lax");
  assert.deepEqual(
    [...parseCookies(" a=1;b = 2 ; a=3; junk")],
    [
      ["a", "1"],
      ["b", "2"],
    ],
  );
});
