import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { isBunbaseError } from "../../../../core/index.ts";
import { assertNothingLeft, createFixture, exec, get, skipReason, type Fixture } from "./test-fixture.ts";

describe("ContainerHost lifecycle", { skip: skipReason ?? false }, () => {
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

  it("starts a container that answers over its socket, and stops it", async () => {
    const started = performance.now();
    const container = await fixture.host.start(fixture.options());
    const ready = performance.now() - started;
    const response = await get(container, "/index.html");
    assert.equal(response.status, 200);
    assert.equal(response.body, "hello\n");
    const usage = container.usage();
    assert.ok(usage !== null && usage.memoryBytes > 0 && usage.cpuMicros > 0, JSON.stringify(usage));
    container.resetPeak();
    assert.ok(ready < 1_000, `ready after ${ready} ms`);
    const exit = await container.stop();
    assert.equal(exit.reason, "stopped");
    assert.equal(exit.signal, "SIGTERM");
    assert.equal(exit.oomKilled, false);
    assert.equal(container.usage(), null);
  });

  it("resolves exited with the code when the process exits mid-request", async () => {
    const container = await fixture.host.start(fixture.options());
    const pending = exec(container, "echo 3 > /tmp/exit; sleep 5").then(
      () => "answered",
      () => "failed",
    );
    const exit = await container.exited;
    assert.deepEqual(exit, { code: 3, signal: null, oomKilled: false, reason: "exited" });
    assert.equal(await pending, "failed");
  });

  it("fails with FN_008 and leaves nothing when the process never listens", async () => {
    const started = Date.now();
    await assert.rejects(
      fixture.host.start(
        fixture.options({ launch: { ...fixture.options().launch, argv: ["/bin/sleep", "30"] }, startTimeoutMs: 400 }),
      ),
      (error) => isBunbaseError(error) && error.code === "FN_008",
    );
    assert.ok(Date.now() - started < 3_000);
  });

  it("fails with FN_008 when the command does not exist", async () => {
    const options = fixture.options();
    await assert.rejects(
      fixture.host.start({ ...options, launch: { ...options.launch, argv: ["/nope"] } }),
      (error) => isBunbaseError(error) && error.code === "FN_008" && /nope/.test(error.message),
    );
  });

  it("passes output line by line; a forged init report on stdout is only output", async () => {
    const options = fixture.options();
    const script =
      `echo '{"event":"exit","code":0}'; echo err >&2; head -c 70000 /dev/zero | tr '\\0' a; echo; ` +
      `exec /bin/busybox sh /www/main.sh`;
    const lines: [string, string][] = [];
    const container = await fixture.host.start({
      ...options,
      launch: { ...options.launch, argv: ["/bin/busybox", "sh", "-c", script] },
      onOutput: (stream, line) => lines.push([stream, line]),
    });
    assert.equal((await get(container, "/index.html")).status, 200);
    // stdout and stderr are two pipes: order within each stream only.
    const stdout = lines.filter(([stream]) => stream === "stdout").map(([, line]) => line);
    assert.equal(stdout[0], '{"event":"exit","code":0}');
    assert.deepEqual(
      stdout.slice(1, 3).map((line) => line.length),
      [65536, 70000 - 65536],
    );
    assert.ok(lines.some(([stream, line]) => stream === "stderr" && line === "err"));
    // Nor can it reach init's report pipe through /proc.
    const forged = await exec(container, `echo '{"event":"exit","code":0}' > /proc/1/fd/3`);
    assert.notEqual(forged.code, 0);
    assert.equal((await get(container, "/index.html")).status, 200);
    await container.stop();
  });

  it("starts several containers in parallel", async () => {
    const containers = await Promise.all([1, 2, 3, 4].map(() => fixture.host.start(fixture.options())));
    for (const container of containers) assert.equal((await get(container, "/index.html")).status, 200);
    await Promise.all(containers.map((container) => container.stop()));
  });

  it("close() stops what is still running", async () => {
    const other = await createFixture();
    try {
      const container = await other.host.start(other.options());
      await other.host.close();
      assert.equal((await container.exited).reason, "stopped");
      await assertNothingLeft(other.host);
    } finally {
      await other.close();
    }
  });
});
