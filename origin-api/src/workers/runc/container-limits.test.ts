import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, afterEach, before, describe, it } from "node:test";
import { cgroupDirs, cgroupVersion } from "./cgroups.ts";
import { assertNothingLeft, createFixture, exec, skipReason, type Fixture } from "./test-fixture.ts";

describe("container limits", { skip: skipReason ?? false }, () => {
  let fixture: Fixture;
  before(async () => {
    fixture = await createFixture();
  });
  after(async () => {
    await fixture?.close();
  });
  afterEach(async () => {
    await assertNothingLeft(fixture.host);
  });

  it("stops a fork bomb at the pids limit; the container still stops cleanly", async () => {
    const container = await fixture.host.start(fixture.options({ limits: { pids: 40 } }));
    const started = await exec(container, "(while :; do sleep 30 & done) >/dev/null 2>&1 & echo started");
    assert.match(started.output, /started/);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const cgroup = `${fixture.host.cgroupParent}/${container.id}`;
    const dir = cgroupDirs(cgroup).find((path) => path.includes("/pids/") || !path.includes("/sys/fs/cgroup/"))!;
    const current = Number(readFileSync(`${cgroupVersion() === 1 ? dir : cgroupDirs(cgroup)[0]}/pids.current`, "utf8"));
    assert.ok(current > 20 && current <= 40, `pids.current ${current}`);
    // The host is fine, and so is the container's server (its process already exists).
    assert.ok(container.usage() !== null);
    const exit = await container.stop();
    assert.equal(exit.reason, "stopped");
  });

  it("reports an out-of-memory kill", async () => {
    const container = await fixture.host.start(fixture.options({ limits: { memoryMb: 32 } }));
    await exec(container, "touch /tmp/oom");
    const exit = await container.exited;
    assert.equal(exit.oomKilled, true);
    assert.equal(exit.reason, "oom");
    assert.equal(exit.signal, "SIGKILL");
  });
});
