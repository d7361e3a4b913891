import type { Logger } from "pino";

/**
 * Stops a service cleanly on SIGINT/SIGTERM: runs `close` once, exits 0 when it is done,
 * 1 if it failed, and exits anyway after `forceMs` so a stuck close never hangs a deploy.
 */
export function stopOnSignals(log: Logger, close: () => Promise<void>, forceMs = 8000): void {
  let stopping = false;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, "stopping");
      setTimeout(() => process.exit(0), forceMs).unref();
      close().then(
        () => process.exit(0),
        (err: unknown) => {
          log.error({ err }, "error while stopping");
          process.exit(1);
        },
      );
    });
  }
}
