// @bunbase/sdk's guest half: the capability name it looks up is the one the runtime installs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { SDK_CALL } from "../../edge-node/src/isolate/protocol.ts";
import { SDK_CAPABILITY } from "./sdk-call.guest.ts";

test("the SDK names the capability as the runtime does", () => {
  assert.equal(SDK_CAPABILITY, SDK_CALL.capability);
});
