/**
 * Entry of the origin API process (`node --import tsx origin-api/main.ts`).
 * PORT (default 8700; 0 picks a free port), BUNBASE_HOST (default 127.0.0.1),
 * BUNBASE_DATA_DIR, BUNBASE_MASTER_KEY, BUNBASE_LOG_RETENTION_DAYS (default 7). Never loads
 * isolated-vm: user code runs in the build worker and the runner, both child processes.
 */
import { createLogger, dataDir, stopOnSignals } from "../core/index.ts";
import { startOrigin } from "./index.ts";
import { DEFAULT_LOG_RETENTION_DAYS } from "./src/services/telemetry-retention.ts";

const log = createLogger("origin");
const port = Number(process.env.PORT ?? 8700);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  log.fatal({ port: process.env.PORT }, "PORT must be a port number");
  process.exit(1);
}
const logRetentionDays = Number(process.env.BUNBASE_LOG_RETENTION_DAYS ?? DEFAULT_LOG_RETENTION_DAYS);
if (!(logRetentionDays > 0) || logRetentionDays > 36_500) {
  log.fatal(
    { BUNBASE_LOG_RETENTION_DAYS: process.env.BUNBASE_LOG_RETENTION_DAYS },
    "BUNBASE_LOG_RETENTION_DAYS must be a number of days above 0",
  );
  process.exit(1);
}

const origin = await startOrigin({
  dataDir: dataDir(),
  host: process.env.BUNBASE_HOST ?? "127.0.0.1",
  port,
  log,
  logRetentionDays,
}).catch((err: unknown) => {
  const name = (err as { name?: string }).name;
  if (name === "MasterKeyError") log.fatal((err as Error).message);
  else log.fatal({ err }, "origin failed to start");
  process.exit(1);
});

stopOnSignals(log, () => origin.close());
