/**
 * `functions deploy`, shared with `start` (examples) and `dev` (reload on save): load and
 * validate the config locally, bundle locally (resolving the folder's own node_modules,
 * like wrangler), create the function or update its config, then upload the prebuilt
 * bundle.
 */
import { join, resolve } from "node:path";
import type { FunctionConfig } from "../../bundler/index.ts";
import { seg, type ApiClient, ApiError } from "./api-client.ts";
import { UsageError } from "./command.ts";
import { formatBytes, formatDiagnostic, shortHash, type Diagnostic } from "./output.ts";
import { loadConfig, loadFunction } from "./local-build.ts";

export interface Deployment {
  version: number;
  status: string;
  bundleHash: string;
  sizeBytes: number;
  environment: string;
  createdAt: string;
  warnings?: (string | Diagnostic)[];
}

export interface DeployOptions {
  name: string;
  environment?: string;
  message?: string;
}

export interface DeployResult {
  name: string;
  deployment: Deployment;
  config: FunctionConfig;
  /** Whether the function was created by this deploy. */
  created: boolean;
  /** Build and deploy warnings, formatted. */
  warnings: string[];
  /** Paths of the config's HTTP triggers (`/hello`, `/users/:id`). */
  httpPaths: string[];
}

type RemoteFunction = Record<string, unknown> & { activeVersions?: Record<string, number> };

export async function deployFunctionDir(client: ApiClient, dir: string, options: DeployOptions): Promise<DeployResult> {
  const { isEdgeRunnable, needsNodeBuiltins } = await import("../../bundler/index.ts");
  const loaded = await loadConfig(resolve(dir), options.name);
  if (!isEdgeRunnable(loaded.config)) return deploySources(client, resolve(dir), loaded.config, options);
  let built: Awaited<ReturnType<typeof loadFunction>>;
  try {
    built = await loadFunction(resolve(dir), options.name);
  } catch (err) {
    // placement "auto" and the code imports Node built-ins: the origin builds it for Node.
    if (loaded.config.placement === "auto" && needsNodeBuiltins(err)) {
      return deploySources(client, resolve(dir), loaded.config, options);
    }
    throw err;
  }
  const { config, build } = built;
  const { created } = await upsertFunction(client, options.name, config);
  const deployment = await client.request<Deployment>("POST", `/functions/${seg(options.name)}/deploy`, {
    json: {
      bundle: { code: build.code, map: build.map, exportName: build.exportName },
      config,
      ...(options.environment ? { environment: options.environment } : {}),
      ...(options.message ? { message: options.message } : {}),
    },
  });
  const warnings = [
    ...new Set(
      [...(build.warnings ?? []), ...(deployment.warnings ?? [])].map((w) => formatDiagnostic(w as Diagnostic)),
    ),
  ];
  return { name: options.name, deployment, config, created, warnings, httpPaths: httpPaths(config) };
}

/**
 * A function for origin workers (Python, Go, a JS runtime placed on the origin, a
 * container): the origin builds it, so the folder goes up as a gzipped tarball (VCS data
 * left out); a container's folder holds its image as `image.tar`.
 */
async function deploySources(
  client: ApiClient,
  dir: string,
  config: FunctionConfig,
  options: DeployOptions,
): Promise<DeployResult> {
  const { created } = await upsertFunction(client, options.name, config);
  const query = { environment: options.environment, message: options.message };
  const upload =
    config.runtime === "container"
      ? { body: await readImage(dir), headers: { "content-type": "application/vnd.oci.image.layout.v1+tar" } }
      : { body: await tarFolder(dir), headers: { "content-type": "application/gzip" } };
  const deployment = await client.request<Deployment>("POST", `/functions/${seg(options.name)}/deploy`, {
    ...upload,
    query,
  });
  const warnings = (deployment.warnings ?? []).map((w) => formatDiagnostic(w as Diagnostic));
  return { name: options.name, deployment, config, created, warnings, httpPaths: httpPaths(config) };
}

async function tarFolder(dir: string): Promise<Uint8Array> {
  const { create } = await import("tar");
  const chunks: Buffer[] = [];
  const stream = create(
    { gzip: true, cwd: dir, portable: true, filter: (path) => !/(^|\/)(\.git|\.bunbase)(\/|$)/.test(path) },
    ["."],
  );
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function readImage(dir: string): Promise<Uint8Array> {
  const { readFile } = await import("node:fs/promises");
  try {
    return await readFile(join(dir, "image.tar"));
  } catch {
    throw new UsageError(
      `a container function's folder holds its image as image.tar (docker save or OCI layout): none in ${dir}`,
    );
  }
}

/** Creates the function when the API does not know it (FN_001), else PUTs the config if it changed. */
async function upsertFunction(client: ApiClient, name: string, config: FunctionConfig): Promise<{ created: boolean }> {
  let remote: RemoteFunction;
  try {
    remote = await client.get<RemoteFunction>(`/functions/${seg(name)}`);
  } catch (err) {
    if (!(err instanceof ApiError && err.code === "FN_001")) throw err;
    await client.request("POST", "/functions", { json: { ...config, name } });
    return { created: true };
  }
  if (configChanged(config, remote))
    await client.request("PUT", `/functions/${seg(name)}`, { json: { ...config, name } });
  return { created: false };
}

/** Compares the fields the config sets with the stored function, ignoring key order. */
export function configChanged(config: Record<string, unknown>, remote: Record<string, unknown>): boolean {
  const keys = new Set([...Object.keys(config), "edge", "handler", "description"]);
  keys.delete("name");
  for (const key of keys) if (stableJson(config[key]) !== stableJson(remote[key])) return true;
  return false;
}

function stableJson(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

export function httpPaths(config: FunctionConfig): string[] {
  return config.triggers.flatMap((t) => (t.type === "http" ? [t.path] : []));
}

/** Where the edge serves HTTP triggers: $BUNBASE_EDGE_URL, else the local edge port. */
export function defaultEdgeUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.BUNBASE_EDGE_URL ?? `http://127.0.0.1:${env.EDGE_PORT ?? 8787}`;
}

/** `deployed hello v3 (1a2b3c4d5e6f, 1.2 kB) -> http://127.0.0.1:8787/hello` plus warnings. */
export function describeDeploy(result: DeployResult, edgeUrl: string): string[] {
  const d = result.deployment;
  const target =
    result.httpPaths.length > 0
      ? result.httpPaths.map((p) => edgeUrl.replace(/\/$/, "") + p).join(", ")
      : `bunbase functions invoke ${result.name}`;
  const env = d.environment && d.environment !== "prod" ? ` [${d.environment}]` : "";
  return [
    `deployed ${result.name} v${d.version}${env} (${shortHash(d.bundleHash)}, ${formatBytes(d.sizeBytes)}) -> ${target}`,
    ...result.warnings.map((w) => `warning: ${w}`),
  ];
}
