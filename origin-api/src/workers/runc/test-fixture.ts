/**
 * Shared by this folder's tests: a ContainerHost in a temp state dir, and busybox
 * containers whose /www/cgi-bin/run executes a POSTed shell command, so a test can look
 * at the sandbox from inside. Not a test file itself.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { Client } from "undici";
import type { ContainerLimits, ContainerOptions } from "../types.ts";
import { ContainerHost } from "./container-host.ts";
import type { Container } from "./container.ts";

export const skipReason =
  ContainerHost.unavailableReason() ?? (existsSync("/bin/busybox") ? null : "busybox is not installed");

const RUN_CGI = `#!/bin/sh
printf 'Content-Type: text/plain\r\n\r\n'
cmd=$(head -c "$CONTENT_LENGTH")
sh -c "$cmd" 2>&1
echo "exit=$?"
`;

/** The main process: httpd in the background, then waits for /tmp/exit or /tmp/oom. */
const MAIN = `/bin/busybox httpd -p 127.0.0.1:8080 -h /www
while :; do
  if [ -e /tmp/exit ]; then exit "$(cat /tmp/exit)"; fi
  if [ -e /tmp/oom ]; then exec tail /dev/zero; fi
  sleep 0.05
done
`;

export interface Fixture {
  host: ContainerHost;
  www: string;
  output: { stream: string; line: string }[];
  options(
    overrides?: Omit<Partial<ContainerOptions>, "limits"> & { limits?: Partial<ContainerLimits> },
  ): ContainerOptions;
  close(): Promise<void>;
}

export async function createFixture(): Promise<Fixture> {
  const dir = await mkdtemp(join(tmpdir(), "runc-test-"));
  const www = join(dir, "www");
  await mkdir(join(www, "cgi-bin"), { recursive: true });
  await writeFile(join(www, "index.html"), "hello\n");
  await writeFile(join(www, "cgi-bin", "run"), RUN_CGI, { mode: 0o755 });
  await writeFile(join(www, "main.sh"), MAIN, { mode: 0o755 });
  for (const path of [dir, www, join(www, "cgi-bin")]) await chmod(path, 0o755);
  const host = new ContainerHost({
    stateDir: join(dir, "state"),
    log: pino({ level: "silent" }),
    // Shared by the test files and runs: the init is built once per source.
    initCacheDir: join(tmpdir(), "bunbase-runc-test-init"),
    stopGraceMs: 500,
  });
  await host.init();
  const output: Fixture["output"] = [];
  return {
    host,
    www,
    output,
    options(overrides = {}) {
      const { limits, ...rest } = overrides;
      return {
        id: `t-${Math.random().toString(36).slice(2, 10)}`,
        launch: {
          rootfs: { kind: "host" },
          mounts: [{ source: www, destination: "/www" }],
          argv: ["/bin/busybox", "sh", "/www/main.sh"],
          env: {},
          cwd: "/",
        },
        limits: { memoryMb: 64, cpus: 1, pids: 64, tmpMb: 8, ...limits },
        egress: null,
        startTimeoutMs: 5_000,
        onOutput: (stream, line) => output.push({ stream, line }),
        ...rest,
      };
    },
    async close() {
      await host.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Runs `command` with sh inside the container (through the CGI); returns its output and status. */
export async function exec(container: Container, command: string): Promise<{ output: string; code: number }> {
  const client = new Client("http://localhost", { socketPath: container.socketPath });
  try {
    const response = await client.request({ path: "/cgi-bin/run", method: "POST", body: command });
    const text = await response.body.text();
    const match = /exit=(\d+)\n?$/.exec(text);
    assert.ok(match, `no exit status in ${JSON.stringify(text)}`);
    return { output: text.slice(0, match.index), code: Number(match[1]) };
  } finally {
    await client.close();
  }
}

export async function get(container: Container, path: string): Promise<{ status: number; body: string }> {
  const client = new Client("http://localhost", { socketPath: container.socketPath });
  try {
    const response = await client.request({ path, method: "GET" });
    return { status: response.statusCode, body: await response.body.text() };
  } finally {
    await client.close();
  }
}

export async function assertNothingLeft(host: ContainerHost): Promise<void> {
  assert.deepEqual(await host.leftovers(), []);
}
