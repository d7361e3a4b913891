import type { Logger } from "pino";

/** Set by whoever starts us with a pipe as our stdin (the launcher, the origin for its runner). */
export const STOP_WITH_PARENT_ENV = "BUNBASE_STOP_WITH_PARENT";

// Read once and removed, so the processes we start ourselves (the runner, cluster workers)
// do not take our parent's pipe for their own.
const stopWithParent = process.env[STOP_WITH_PARENT_ENV] === "1";
delete process.env[STOP_WITH_PARENT_ENV];

/**
 * Stops a service cleanly on SIGINT/SIGTERM: runs `close` once, exits 0 when it is done,
 * 1 if it failed, and exits anyway after `forceMs` so a stuck close never hangs a deploy.
 *
 * With `BUNBASE_STOP_WITH_PARENT=1` in the environment, the process that started us holds
 * our stdin's pipe: when it is gone, even by SIGKILL, the pipe ends and we stop the same
 * way, instead of living on as an orphan that keeps the port.
 */
export function stopOnSignals(log: Logger, close: () => Promise<void>, forceMs = 8000): void {
  let stopping = false;
  const stop = (level: "info" | "warn", fields: Record<string, unknown>, message: string) => {
    if (stopping) return;
    stopping = true;
    log[level](fields, message);
    setTimeout(() => process.exit(0), forceMs).unref();
    close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, "error while stopping");
        process.exit(1);
      },
    );
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => stop("info", { signal }, "stopping"));
  if (stopWithParent && !process.stdin.isTTY) {
    const orphaned = () => stop("warn", {}, "the process that started this one is gone; stopping");
    process.stdin.on("end", orphaned);
    process.stdin.on("error", orphaned);
    process.stdin.resume();
  }
}
