export { startEdgeNode, type EdgeNodeOptions, type RunningEdgeNode } from "./src/server/edge-node.ts";
export { IsolatePool } from "./src/isolate/index.ts";
export type * from "./src/isolate/index.ts";
export type { OriginWorkers, Target } from "./src/server/invoke-service.ts";
export type { RunnerOriginWorkers } from "./src/server/edge-node.ts";
