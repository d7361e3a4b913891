/**
 * V8's own bound on every WebAssembly memory of this process (one memory, and any
 * `memory.grow` a module runs, stays within WASM_MAX_PAGES). Process-wide by nature:
 * set once before the first isolate is made. The per-isolate total is wasm-limits.guest.ts.
 */
import { setFlagsFromString } from "node:v8";
import { WASM_MAX_PAGES } from "./protocol.ts";

setFlagsFromString(`--wasm-max-mem-pages=${WASM_MAX_PAGES}`);
