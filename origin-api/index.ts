/** Public face of origin-api: start the control plane in-process (used by main.ts). */
export { startOrigin, type OriginOptions, type RunningOrigin } from "./src/server.ts";
