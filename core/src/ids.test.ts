import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { newInvocationId, newRequestId } from "./ids.ts";

describe("ids", () => {
  it("are prefixed, time-sortable and unique across many pool refills", () => {
    const ids = Array.from({ length: 5000 }, () => newInvocationId());
    assert.equal(new Set(ids).size, ids.length);
    for (const id of ids) assert.match(id, /^inv_[0-9a-z]{9}[0-9a-f]{16}$/);
    assert.deepEqual(
      [...ids].sort((a, b) => a.slice(0, 13).localeCompare(b.slice(0, 13))).slice(0, 1),
      ids.slice(0, 1),
    );
    assert.match(newRequestId(), /^req_/);
  });
});
