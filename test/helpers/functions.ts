/** Creating and deploying functions through the real API, for integration tests. */
import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
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

export interface FreshResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One GET on its own connection (no keep-alive), so the kernel spreads them over an edge's workers. */
export function onFreshConnection(url: string, headers: Record<string, string> = {}): Promise<FreshResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(new URL(url), { agent: false, headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}
