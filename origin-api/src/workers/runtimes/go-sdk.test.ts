import assert from "node:assert/strict";
import { test } from "node:test";
import { GO_SDK_DIR, vendorManifest } from "./go-sdk.ts";

test("vendor/modules.txt gains our module once, whatever it held of it before", () => {
  const theirs = "# example.com/dep v1.2.0\n## explicit; go 1.22\nexample.com/dep\n";
  const ours = [`# bunbase.dev/sdk v0.0.0 => ${GO_SDK_DIR}`, "## explicit; go 1.21", "bunbase.dev/sdk"];
  const once = vendorManifest(theirs, "1.21");
  assert.deepEqual(once.split("\n"), [
    ...ours,
    "# example.com/dep v1.2.0",
    "## explicit; go 1.22",
    "example.com/dep",
    `# bunbase.dev/sdk => ${GO_SDK_DIR}`,
    "",
  ]);
  const stale =
    "# bunbase.dev/sdk v0.1.0 => ../mine\n## explicit\nbunbase.dev/sdk\n" + theirs + "# bunbase.dev/sdk => ../mine\n";
  assert.equal(vendorManifest(stale, "1.21"), once);
  assert.equal(vendorManifest(once, "1.21"), once);
});
