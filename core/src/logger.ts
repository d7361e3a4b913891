import { pino, type Logger } from "pino";

export type { Logger };

/**
 * Process logs are JSON lines on stdout (pino). Tests and the launcher read the line
 * with `msg: "listening"` to learn the real port of a process started on port 0.
 */
export function createLogger(service: string): Logger {
  return pino({
    name: service,
    level: process.env.BUNBASE_LOG_LEVEL ?? "info",
    base: { service },
    // Secrets must never reach a log line, even through a careless `log.info(obj)`.
    redact: { paths: ["*.value", "*.secret", "*.apiKey", "*.authorization", "*.masterKey"], censor: "[redacted]" },
  });
}

/**
 * Logs the `listening` line that launchers and tests wait for. It is written at info
 * whatever the process's level: `BUNBASE_LOG_LEVEL=warn` must not hide the port.
 */
export function announceListening(
  log: Logger,
  fields: { url: string } & Record<string, unknown>,
  msg = "listening",
): void {
  log.child({}, { level: "info" }).info(fields, msg);
}
