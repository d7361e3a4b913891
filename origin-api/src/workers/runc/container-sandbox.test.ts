import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import type { Container } from "./container.ts";
import { assertNothingLeft, createFixture, exec, get, skipReason, type Fixture } from "./test-fixture.ts";

describe("what a container's process can reach", { skip: skipReason ?? false }, () => {
  let fixture: Fixture;
  let container: Container;
  let server: Server;
  let port: number;
  before(async () => {
    fixture = await createFixture();
    server = createServer((_req, res) => res.end("host"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
    const options = fixture.options({ limits: { tmpMb: 2 } });
    container = await fixture.host.start({
      ...options,
      launch: { ...options.launch, mounts: [...options.launch.mounts, { source: fixture.www, destination: "/code" }] },
    });
  });
  after(async () => {
    await container?.stop();
    if (fixture) await assertNothingLeft(fixture.host);
    await fixture?.close();
    server?.close();
  });

  it("runs as nobody with no capabilities, no new privileges and a seccomp filter", async () => {
    const { output } = await exec(container, "grep -E '^(Uid|Gid|Cap[A-Za-z]+|NoNewPrivs|Seccomp):' /proc/self/status");
    assert.match(output, /^Uid:\s+65534\s+65534\s+65534\s+65534$/m);
    assert.match(output, /^Gid:\s+65534\s+65534\s+65534\s+65534$/m);
    for (const cap of ["CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"]) {
      assert.match(output, new RegExp(`^${cap}:\\s+0000000000000000$`, "m"));
    }
    assert.match(output, /^NoNewPrivs:\s+1$/m);
    assert.match(output, /^Seccomp:\s+2$/m);
  });

  it("has a read-only root and code; only /tmp is writable", async () => {
    for (const path of ["/x", "/code/x", "/etc/x", "/usr/x", "/opt/bunbase/x"]) {
      const { code } = await exec(container, `touch ${path}`);
      assert.notEqual(code, 0, `${path} is writable`);
    }
    assert.equal((await exec(container, "touch /tmp/x && rm /tmp/x")).code, 0);
  });

  it("stops /tmp at its size with ENOSPC and keeps running", async () => {
    const { output, code } = await exec(container, "dd if=/dev/zero of=/tmp/big bs=1M count=4");
    assert.notEqual(code, 0);
    assert.match(output, /No space left on device/);
    await exec(container, "rm /tmp/big");
    assert.equal((await get(container, "/index.html")).status, 200);
  });

  it("refuses namespaces and mounts (seccomp), even through unshare", async () => {
    const unshare = await exec(container, "unshare -U -r true");
    assert.notEqual(unshare.code, 0);
    assert.match(unshare.output, /Operation not permitted/);
    const mount = await exec(container, "/bin/busybox mount -t tmpfs none /tmp");
    assert.notEqual(mount.code, 0);
  });

  it("has only loopback: no route out, and the host's 127.0.0.1 is not its own", async () => {
    assert.equal((await exec(container, "ls /sys/class/net")).output.trim(), "lo");
    // Loopback works inside: the process's own server answers on 127.0.0.1.
    assert.equal(
      (await exec(container, "/bin/busybox wget -q -O- http://127.0.0.1:8080/index.html")).output,
      "hello\n",
    );
    for (const target of ["169.254.169.254 80", "1.1.1.1 443", `127.0.0.1 ${port}`]) {
      const { code } = await exec(container, `/bin/busybox nc -w 1 ${target} </dev/null`);
      assert.notEqual(code, 0, `${target} is reachable`);
    }
    const env = (await exec(container, "env")).output;
    assert.doesNotMatch(env, /proxy/i);
    assert.equal((await exec(container, "test -e /run/bunbase/egress.sock")).code, 1);
  });

  it("cannot reach init's reports or signal it", async () => {
    assert.notEqual((await exec(container, "ls /proc/1/fd")).code, 0);
    await exec(container, "kill -9 1");
    assert.equal((await get(container, "/index.html")).status, 200);
  });
});
