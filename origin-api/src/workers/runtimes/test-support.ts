/** Shared by the runtime tests: temp function folders, builds, and plain processes on free ports. */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after } from "node:test";
import { parseFunctionConfig, type FunctionConfigInput, type Runtime } from "../../../../bundler/index.ts";
import { buildArtifact } from "./build-artifact.ts";
import { launchSpec } from "./launch-spec.ts";
import { startPlainProcess, type PlainProcess } from "./plain-process.ts";

/**
 * What to undo when the test file ends. Registered once at import, on the root test: an
 * `after()` called from a `before()` hook or a test would run when that hook or test ends.
 */
const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** A fresh temp folder holding `files`, removed when the test file ends. */
export async function tempDir(files: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "bunbase-runtimes-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  return dir;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Builds `files` for `runtime` into a temp artifact; returns its folder and the build time. */
export async function buildSample(runtime: Runtime, files: Record<string, string>, config: FunctionConfigInput = {}) {
  const srcDir = await tempDir(files);
  const outDir = await tempDir();
  const started = performance.now();
  const build = await buildArtifact({ runtime, srcDir, outDir, config: parseFunctionConfig({ runtime, ...config }) });
  return { outDir, warnings: build.warnings, buildMs: Math.round(performance.now() - started) };
}

export interface RunningSample extends PlainProcess {
  /** Every output line, parsed when JSON. */
  lines: { stream: string; line: string; record?: Record<string, unknown> }[];
  /** From spawn to the port accepting. */
  startMs: number;
}

/** Starts a built artifact as a plain process and waits for its port; stopped when the test file ends. */
export async function startSample(runtime: Runtime, codeDir: string): Promise<RunningSample> {
  const lines: RunningSample["lines"] = [];
  const started = performance.now();
  const proc = startPlainProcess(launchSpec({ runtime, codeDir }), await freePort(), {
    onOutput(stream, line) {
      let record: Record<string, unknown> | undefined;
      try {
        record = JSON.parse(line) as Record<string, unknown>;
      } catch {
        record = undefined; // a plain line
      }
      lines.push({ stream, line, record });
    },
  });
  cleanups.push(() => proc.stop());
  try {
    await proc.ready;
  } catch (err) {
    throw new Error(`${(err as Error).message}; output:\n${lines.map((l) => l.line).join("\n")}`, { cause: err });
  }
  return Object.assign(proc, { lines, startMs: Math.round(performance.now() - started) });
}

/** Waits until a line matching `test` arrives (output is asynchronous to responses). */
export async function waitForLine(sample: RunningSample, test: (record: Record<string, unknown>) => boolean) {
  for (let i = 0; i < 200; i++) {
    const found = sample.lines.find((l) => l.record && test(l.record));
    if (found) return found.record!;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no matching log line; got:\n${sample.lines.map((l) => l.line).join("\n")}`);
}

/** POSTs an event the way the pool delivers one. */
export function postEvent(url: string, event: unknown, handler?: string): Promise<Response> {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "x-bunbase-invocation-id": "inv-event",
  };
  if (handler) headers["x-bunbase-handler"] = handler;
  return fetch(`${url}/__bunbase/event`, { method: "POST", headers, body: JSON.stringify(event) });
}
