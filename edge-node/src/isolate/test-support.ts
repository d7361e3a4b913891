/**
 * Helpers for this folder's tests (not a test file): sources built from inline code or
 * by esbuild with a real source map, a log collector, request inputs.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import {
  IsolatePool,
  type FunctionSource,
  type GuestLog,
  type HttpRequestInput,
  type IsolatePoolOptions,
} from "./index.ts";

let counter = 0;

export function source(code: string, overrides: Partial<FunctionSource> = {}): FunctionSource {
  counter += 1;
  return {
    functionId: `fn-${counter}`,
    name: `fn${counter}`,
    version: 1,
    bundleHash: `sha256:${counter}`,
    code,
    exportName: "handler",
    ...overrides,
  };
}

/** Bundles `files` (entry `index.ts`) the way the CLI does: one ESM file plus its map. */
export async function bundled(
  files: Record<string, string>,
  overrides: Partial<FunctionSource> = {},
): Promise<FunctionSource> {
  const dir = await mkdtemp(join(tmpdir(), "bunbase-isolate-"));
  try {
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
    const result = await build({
      entryPoints: [join(dir, "index.ts")],
      outfile: join(dir, "dist/bundle.js"),
      bundle: true,
      format: "esm",
      platform: "neutral",
      sourcemap: "external",
      sourcesContent: true,
      write: false,
      logLevel: "silent",
    });
    const code = result.outputFiles.find((f) => f.path.endsWith(".js"))?.text ?? "";
    const map = result.outputFiles.find((f) => f.path.endsWith(".map"))?.text;
    return source(code, { map, ...overrides });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function collectingPool(options: Omit<IsolatePoolOptions, "logSink"> = {}) {
  const logs: GuestLog[] = [];
  const pool = new IsolatePool({ logSink: (log) => logs.push(log), ...options });
  return { pool, logs };
}

export function request(overrides: Partial<HttpRequestInput> = {}): HttpRequestInput {
  counter += 1;
  return {
    invocationId: `inv-${counter}`,
    method: "GET",
    url: "https://example.test/hello?x=1",
    headers: [],
    body: null,
    env: {},
    ...overrides,
  };
}

// Generous: a cold start on a loaded CI machine can take seconds, and it has this budget too.
export const limits = { memoryMb: 128, timeoutMs: 10_000 };

/** A buffered body as text (a streamed one fails the test: read it with `collect`). */
export function text(body: Uint8Array | AsyncIterable<Uint8Array>): string {
  if (!(body instanceof Uint8Array)) throw new Error("expected a buffered body, got a stream");
  return new TextDecoder().decode(body);
}

/** A streamed (or buffered) body read to the end. */
export async function collect(body: Uint8Array | AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  if (body instanceof Uint8Array) return body;
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** Runs `body` (an async function body) as an event handler and returns what it returned. */
export async function evaluate(pool: IsolatePool, body: string, env: Record<string, string> = {}): Promise<unknown> {
  const fn = source(`export async function handler(event, ctx) {\n${body}\n}`);
  const { result } = await pool.invokeEvent(fn, limits, { invocationId: "eval", event: {}, env });
  return result;
}
