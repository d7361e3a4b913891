/**
 * Our platform as a user meets it: started with the launcher, functions created and
 * deployed through the origin's HTTP API, called through the edge over HTTP.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launchPlatform, type Platform } from "../../cli/src/launcher.ts";

export interface OurPlatform {
  platform: Platform;
  edgeUrl: string;
  /** Creates the function if needed, deploys `files`, and waits until the edge holds it. */
  deploy(
    name: string,
    path: string,
    files: Record<string, string>,
    sync?: boolean,
    methods?: string[],
    config?: Record<string, unknown>,
  ): Promise<void>;
  /** Resolves when every edge worker holds the origin's current config. */
  synced(): Promise<void>;
  stop(): Promise<void>;
}

export async function startOurPlatform(env: Record<string, string> = {}): Promise<OurPlatform> {
  const dataDir = mkdtempSync(join(tmpdir(), "bunbase-bench-"));
  const platform = await launchPlatform({
    dataDir,
    port: 0,
    edgePort: 0,
    env: { BUNBASE_LOG_LEVEL: "info", ...env },
  });
  const api = async (key: string, path: string, method = "GET", json?: unknown): Promise<Response> =>
    fetch(platform.originUrl + path, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(json === undefined ? {} : { "content-type": "application/json" }),
      },
      body: json === undefined ? undefined : JSON.stringify(json),
    });
  const created = new Set<string>();
  const synced = async (): Promise<void> => {
    const res = await api(platform.nodeKey, "/internal/snapshot");
    const { revision } = (await res.json()) as { revision: number };
    const wait = await fetch(`${platform.edgeUrl}/__bunbase/wait?revision=${revision}&timeoutMs=30000`);
    await wait.body?.cancel();
    if (wait.status !== 200) throw new Error(`edge did not reach revision ${revision}`);
  };
  return {
    platform,
    edgeUrl: platform.edgeUrl,
    synced,
    async deploy(name, path, files, sync = true, methods?: string[], config: Record<string, unknown> = {}) {
      if (!created.has(name)) {
        const res = await api(platform.adminKey, "/functions", "POST", {
          ...config,
          name,
          triggers: [{ type: "http", path, ...(methods ? { methods } : {}) }],
        });
        if (res.status !== 201 && res.status !== 409)
          throw new Error(`create ${name}: ${res.status} ${await res.text()}`);
        await res.body?.cancel();
        created.add(name);
      }
      const res = await api(platform.adminKey, `/functions/${name}/deploy`, "POST", { files });
      if (res.status !== 201) throw new Error(`deploy ${name}: ${res.status} ${await res.text()}`);
      await res.body?.cancel();
      if (sync) await synced();
    },
    async stop() {
      await platform.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Runs `task` over `items` with at most `limit` in flight. */
export async function inBatches<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await task(items[next++]);
  });
  await Promise.all(lanes);
}
