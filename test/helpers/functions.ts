/** Creating and deploying functions through the real API, for integration tests. */
import assert from "node:assert/strict";
import type { TestPlatform } from "./platform.ts";

export interface Deployment {
  version: number;
  bundleHash: string;
  status: string;
}

/** Creates the function (config incl. name) if needed and deploys `files` to it. */
export async function deployFiles(
  p: TestPlatform,
  config: Record<string, unknown> & { name: string },
  files: Record<string, string>,
  extra: { environment?: string; message?: string } = {},
): Promise<Deployment> {
  const existing = await p.api(`/functions/${config.name}`);
  if (existing.status === 404) {
    const created = await p.api("/functions", { method: "POST", json: config });
    assert.equal(created.status, 201, await created.text());
  } else {
    await existing.body?.cancel();
  }
  const res = await p.api(`/functions/${config.name}/deploy`, { method: "POST", json: { files, ...extra } });
  const body = await res.text();
  assert.equal(res.status, 201, body);
  await p.synced();
  return JSON.parse(body) as Deployment;
}

export async function errorOf(
  res: Response,
): Promise<{ code: string; message: string; details?: Record<string, unknown> }> {
  const body = (await res.json()) as {
    error: { code: string; message: string; requestId: string; details?: Record<string, unknown> };
  };
  assert.ok(body.error, `expected an error envelope, got ${JSON.stringify(body)}`);
  assert.equal(typeof body.error.requestId, "string");
  return body.error;
}

/** Polls `check` until it returns a value or the timeout passes (telemetry is batched). */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 100));
  }
}
