/**
 * What `start` and `dev` share: launching the platform with the ports from the
 * environment, printing the children's log lines, and waiting for Ctrl-C.
 */
import type { LaunchOptions, Platform } from "./launcher.ts";

export function envPort(name: string, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const value = env[name];
  if (value === undefined || value === "") return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`${name} must be a port number, got ${JSON.stringify(value)}`);
  return port;
}

const PINO_LEVELS: Record<number, string> = {
  10: "trace",
  20: "debug",
  30: "info",
  40: "warn",
  50: "error",
  60: "fatal",
};

/**
 * A child's pino JSON line as `origin warn message`, or undefined when it is below the
 * level shown (warnings and errors, or everything with `verbose`).
 */
export function formatChildLine(service: string, line: string, verbose: boolean): string | undefined {
  let record: { level?: number; msg?: string; err?: { message?: string } };
  try {
    record = JSON.parse(line) as typeof record;
  } catch {
    return verbose ? `${service} ${line}` : undefined;
  }
  const level = record.level ?? 30;
  if (!verbose && level < 40) return undefined;
  const detail = record.err?.message ? `: ${record.err.message}` : "";
  return `${service} ${PINO_LEVELS[level] ?? level} ${record.msg ?? ""}${detail}`;
}

export async function launch(
  dataDir: string,
  verbose: boolean,
  beforeEdge?: LaunchOptions["beforeEdge"],
): Promise<Platform> {
  const { launchPlatform } = await import("./launcher.ts");
  return launchPlatform({
    dataDir,
    beforeEdge,
    port: envPort("PORT", 8700),
    edgePort: envPort("EDGE_PORT", 8787),
    onLog: (service, line) => {
      const text = formatChildLine(service, line, verbose);
      if (text !== undefined) process.stderr.write(text + "\n");
    },
  });
}

/** Resolves on the first SIGINT or SIGTERM. */
export function untilInterrupted(): Promise<string> {
  return new Promise((resolve) => {
    const on = (signal: string) => () => resolve(signal);
    process.once("SIGINT", on("SIGINT"));
    process.once("SIGTERM", on("SIGTERM"));
  });
}

/**
 * Resolves when the edge holds the origin's current config, so "reloaded" means live.
 * Uses the internal routes with the node key, which a local session owns anyway.
 */
export async function waitForEdgeSync(platform: Platform, timeoutMs = 5000): Promise<boolean> {
  const res = await fetch(`${platform.originUrl}/internal/snapshot`, {
    headers: { authorization: `Bearer ${platform.nodeKey}` },
  });
  if (!res.ok) return false;
  const { revision } = (await res.json()) as { revision: number };
  const wait = await fetch(`${platform.edgeUrl}/__bunbase/wait?revision=${revision}&timeoutMs=${timeoutMs}`);
  await wait.body?.cancel();
  return wait.ok;
}
