import assert from "node:assert/strict";
import { test } from "node:test";
import { Memo } from "./memo.ts";

test("Memo computes a key once and starts over past its capacity", () => {
  let made = 0;
  const memo = new Memo<string>(2, 8);
  const make = (key: string) => {
    made++;
    return key.toUpperCase();
  };
  assert.equal(memo.get("a", make), "A");
  assert.equal(memo.get("a", make), "A");
  assert.equal(made, 1);
  memo.get("b", make);
  memo.get("c", make); // full: starts over with c
  assert.equal(made, 3);
  memo.get("c", make);
  assert.equal(made, 3);
  memo.get("a", make);
  assert.equal(made, 4);
});

test("Memo never keeps a key longer than its limit", () => {
  let made = 0;
  const memo = new Memo<number>(4, 3);
  const make = (key: string) => ++made + key.length;
  memo.get("long key", make);
  memo.get("long key", make);
  assert.equal(made, 2);
});
