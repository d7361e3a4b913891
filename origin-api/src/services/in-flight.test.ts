import { test } from "node:test";
import assert from "node:assert/strict";
import { FRESH_MS, InFlightBoard } from "./in-flight.ts";

test("current adds up the latest report of each reporter heard from lately", () => {
  const board = new InFlightBoard();
  board.report("a/1", { fn: 2, other: 5 }, 0);
  board.report("a/2", { fn: 1 }, 0);
  board.report("a/1", { fn: 3 }, 1_000); // replaces its previous report
  assert.equal(board.current("fn", 1_000), 4);
  assert.equal(board.current("other", 1_000), 0);
  // a/2 went quiet: its report goes stale.
  assert.equal(board.current("fn", FRESH_MS + 500), 3);
  assert.equal(board.current("fn", FRESH_MS + 1_001), 0);
});
