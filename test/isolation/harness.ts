/**
 * Shared set-up for the adversarial isolation scenarios: the real origin and edge
 * processes (one edge process, so that a crash cannot hide behind a sibling worker), a
 * control function on the same node, and the check that the host survived.
 */
import assert from "node:assert/strict";
import { after, before } from "node:test";
import { startPlatform, type TestPlatform } from "../helpers/platform.ts";
import { deployFiles, errorOf } from "../helpers/functions.ts";

export interface EdgeIdentity {
  node: string;
  pid: number;
}

export interface IsolationPlatform {
  p: TestPlatform;
  /** The edge process as it was before the scenario ran. */
  host: EdgeIdentity;
}

const CONTROL = "control";

/**
 * One platform per scenario file. BUNBASE_EDGE_WORKERS=1: a single edge process serves
 * every request, so a lost process shows up as a new pid instead of being absorbed by a
 * sibling worker (the cluster's own recovery is tested in test/integration).
 */
export async function startIsolationPlatform(env: Record<string, string> = {}): Promise<IsolationPlatform> {
  const p = await startPlatform({ BUNBASE_EDGE_WORKERS: "1", ...env });
  await deployHandler(p, CONTROL, `export function handler() { return new Response("alive"); }`);
  const host = await edgeIdentity(p);
  return { p, host };
}

/** Registers this file's platform (started before its tests, stopped after); call at the top level. */
export function usePlatform(): () => IsolationPlatform {
  let platform: IsolationPlatform | undefined;
  before(async () => {
    platform = await startIsolationPlatform();
  });
  after(async () => {
    await platform?.p.stop();
  });
  return () => {
    assert.ok(platform, "the platform did not start");
    return platform;
  };
}

/** Deploys `code` as `index.ts` of function `name`, reachable on the edge at `/<name>`. */
export async function deployHandler(
  p: TestPlatform,
  name: string,
  code: string,
  config: Record<string, unknown> = {},
): Promise<void> {
  await deployFiles(
    p,
    { name, triggers: [{ type: "http", path: `/${name}`, methods: ["GET", "POST"] }], ...config },
    { "index.ts": code },
  );
}

export async function edgeIdentity(p: TestPlatform): Promise<EdgeIdentity> {
  const res = await p.edge("/__bunbase/health");
  assert.equal(res.status, 200, "edge health check failed");
  const body = (await res.json()) as { node: string; pid: number };
  return { node: body.node, pid: body.pid };
}

/**
 * The host survived: the same edge process (pid and node name) still answers, the control
 * function on the same node answers 200, the origin API is healthy, and neither process
 * was restarted by its supervisor.
 */
export async function assertHostSurvived(p: TestPlatform, host: EdgeIdentity): Promise<void> {
  const now = await edgeIdentity(p);
  assert.deepEqual(now, host, "the edge process was replaced: a tenant took the host down");
  const control = await p.edge(`/${CONTROL}`);
  assert.equal(control.status, 200, "the control function on the same node stopped answering");
  assert.equal(await control.text(), "alive");
  const origin = await fetch(`${p.originUrl}/health`);
  assert.equal(origin.status, 200, "the origin API stopped answering");
  await origin.body?.cancel();
  const restarts = p.lines.filter((line) => /exited; (restarting|replacing)/.test(line));
  assert.deepEqual(restarts, [], "a supervised process exited during the scenario");
}

/** The contract's error envelope of a failed invocation, with the HTTP status. */
export async function failureOf(res: Response): Promise<{ status: number; code: string; message: string }> {
  const error = await errorOf(res);
  return { status: res.status, code: error.code, message: error.message };
}

/** Contract 2.2: the status each code must come with. */
export const STATUS_OF: Record<string, number> = {
  FN_002: 504,
  FN_003: 502,
  FN_004: 502,
  FN_008: 503,
};

/** Asserts a failed invocation carries one of `codes`, with that code's status; returns the code. */
export async function expectFailure(res: Response, codes: string[]): Promise<{ code: string; message: string }> {
  const failure = await failureOf(res);
  assert.ok(codes.includes(failure.code), `expected one of ${codes.join(", ")}, got ${JSON.stringify(failure)}`);
  assert.equal(failure.status, STATUS_OF[failure.code], `wrong status for ${JSON.stringify(failure)}`);
  return failure;
}

/** Times a request to the edge. */
export async function timed(run: () => Promise<Response>): Promise<{ res: Response; ms: number }> {
  const started = Date.now();
  const res = await run();
  return { res, ms: Date.now() - started };
}

/**
 * A guest module (`host-marks.ts`) the probes import: names that exist on Node's global or
 * `process` and must never exist inside an isolate. Deployed beside a probe's `index.ts`.
 */
export const HOST_MARKS_MODULE = `
const GLOBAL_ONLY = ["require", "module", "exports", "Buffer", "global", "__dirname", "__filename", "gc"];
const PROCESS_ONLY = ["versions", "binding", "_linkedBinding", "dlopen", "mainModule", "exit", "kill", "pid",
  "execPath", "argv", "cwd", "chdir", "memoryUsage", "getBuiltinModule"];

function present(target: any, names: string[], prefix: string, found: string[]): void {
  if (target === null || (typeof target !== "object" && typeof target !== "function")) return;
  for (const name of names) {
    try {
      if (name in target && target[name] !== undefined) found.push(prefix + name);
    } catch {
      found.push(prefix + name + " (threw)");
    }
  }
}

/** Host-only names reachable on \`value\` or on its \`process\`; [] for a guest object. */
export function hostMarks(value: unknown): string[] {
  const found: string[] = [];
  present(value, GLOBAL_ONLY, "", found);
  present(value, PROCESS_ONLY, "", found);
  try {
    present((value as any)?.process, PROCESS_ONLY, "process.", found);
  } catch {
    found.push("process (threw)");
  }
  return found;
}
`;
