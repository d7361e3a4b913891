import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, afterEach, before, describe, it } from "node:test";
import type { EgressConfig } from "../../../../core/index.ts";
import { acceptedAddresses } from "./egress-proxy.ts";
import type { Container } from "./container.ts";
import { assertNothingLeft, createFixture, exec, skipReason, type Fixture } from "./test-fixture.ts";

describe("acceptedAddresses", () => {
  it("keeps only the addresses the policy accepts", async () => {
    const url = new URL("http://127.0.0.1:9/");
    await assert.rejects(acceptedAddresses(url, { egress: true }, {}), /allowPrivateNetworks is off/);
    assert.deepEqual(await acceptedAddresses(url, { allowPrivateNetworks: true }, {}), [
      { address: "127.0.0.1", family: 4 },
    ]);
    await assert.rejects(
      acceptedAddresses(new URL("http://localhost:4000/"), { egress: true }, { deniedHosts: ["localhost:4000"] }),
      /not reachable/,
    );
  });
});

describe("egress through the host's proxy", { skip: skipReason ?? false }, () => {
  let fixture: Fixture;
  let server: Server;
  let port: number;
  before(async () => {
    fixture = await createFixture();
    server = createServer((req, res) => res.end(`host saw ${req.method} ${req.url}`));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    await fixture?.close();
    server?.close();
  });
  afterEach(async () => {
    await assertNothingLeft(fixture.host);
  });

  /** A raw request to the proxy inside the container (busybox nc: no proxy support needed). */
  const throughProxy = (request: string) =>
    `(printf '${request.replace(/\n/g, "\\r\\n")}'; sleep 0.5) | /bin/busybox nc -w 2 127.0.0.1 3128`;

  async function startWith(egress: EgressConfig): Promise<Container> {
    const container = await fixture.host.start(fixture.options({ egress }));
    assert.equal((await exec(container, "test -S /run/bunbase/egress.sock")).code, 0);
    const env = (await exec(container, "env")).output;
    assert.match(env, /^HTTPS_PROXY=http:\/\/127\.0\.0\.1:3128$/m);
    assert.match(env, /^NO_PROXY=localhost,127\.0\.0\.1$/m);
    return container;
  }

  it("refuses the host's loopback without allowPrivateNetworks (http and CONNECT)", async () => {
    const container = await startWith({ egress: true });
    try {
      const plain = await exec(container, throughProxy(`GET http://127.0.0.1:${port}/x HTTP/1.1\nhost: a\n\n`));
      assert.match(plain.output, /^HTTP\/1\.1 403/);
      assert.match(plain.output, /allowPrivateNetworks is off/);
      const tunnel = await exec(container, throughProxy(`CONNECT localhost:${port} HTTP/1.1\n\n`));
      assert.match(tunnel.output, /^HTTP\/1\.1 403/);
    } finally {
      await container.stop();
    }
  });

  it("reaches the host's loopback with allowPrivateNetworks", async () => {
    const container = await startWith({ allowPrivateNetworks: true });
    try {
      const request = `GET http://127.0.0.1:${port}/x HTTP/1.1\nhost: 127.0.0.1\nconnection: close\n\n`;
      const plain = await exec(container, throughProxy(request));
      assert.match(plain.output, /^HTTP\/1\.1 200/);
      assert.match(plain.output, /host saw GET \/x/);
      const tunnel = await exec(
        container,
        throughProxy(`CONNECT 127.0.0.1:${port} HTTP/1.1\n\nGET /y HTTP/1.1\nhost: a\nconnection: close\n\n`),
      );
      assert.match(tunnel.output, /^HTTP\/1\.1 200 Connection Established/);
      assert.match(tunnel.output, /host saw GET \/y/);
    } finally {
      await container.stop();
    }
  });
});
