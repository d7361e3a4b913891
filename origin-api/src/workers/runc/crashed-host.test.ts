import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { pino } from "pino";
import { nodeArgs } from "../../../../core/index.ts";
import { ContainerHost } from "./container-host.ts";
import { createFixture, skipReason, type Fixture } from "./test-fixture.ts";

describe("a host killed with its containers running", { skip: skipReason ?? false }, () => {
  let fixture: Fixture;
  before(async () => {
    fixture = await createFixture();
  });
  after(async () => {
    await fixture?.close();
  });

  it("leaves nothing once the next host has run init()", async () => {
    const stateDir = join(fixture.www, "..", "crashed-state");
    const initCache = join(tmpdir(), "bunbase-runc-test-init");
    const child = spawn(
      process.execPath,
      [...nodeArgs(), join(import.meta.dirname, "test-crash-child.ts"), stateDir, fixture.www, initCache],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    const [first] = (await once(child.stdout!, "data")) as [Buffer];
    assert.equal(first.toString(), "started\n");
    child.kill("SIGKILL");
    await once(child, "exit");
    const next = new ContainerHost({ stateDir, log: pino({ level: "silent" }), initCacheDir: initCache });
    await next.init();
    assert.deepEqual(await next.leftovers(), []);
    await next.close();
    assert.equal(existsSync(join(stateDir, "runc", "crashed")), false);
  });
});
