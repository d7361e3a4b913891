export * from "./src/errors.ts";
export * from "./src/ids.ts";
export * from "./src/wire.ts";
export * from "./src/logger.ts";
export * from "./src/data-dir.ts";
export * from "./src/spawn.ts";
export * from "./src/sse.ts";
export * from "./src/shutdown.ts";
