/**
 * The guest half of the runtime's lazy chunks (runtime-chunks.ts): their sources are
 * taken from globalThis when the runtime starts, before any user code, and evaluated the
 * first time something asks for one.
 */
import { CHUNK_GLOBAL_PREFIX, CHUNK_NAMES, type ChunkName } from "./protocol.ts";

// Taken now: user code may replace globalThis.eval, never the one the runtime holds.
const indirectEval = globalThis.eval;
const sources = new Map<ChunkName, string>();
const loaded = new Map<ChunkName, unknown>();

export function takeChunks(): void {
  const scope = globalThis as unknown as Record<string, unknown>;
  for (const name of CHUNK_NAMES) {
    const source = scope[CHUNK_GLOBAL_PREFIX + name];
    delete scope[CHUNK_GLOBAL_PREFIX + name];
    if (typeof source !== "string") throw new Error(`bunbase runtime: chunk ${name} missing`);
    sources.set(name, source);
  }
}

/** The chunk's exports, evaluated on the first call. */
export function loadChunk<T>(name: ChunkName): T {
  if (!loaded.has(name)) {
    const source = sources.get(name);
    if (source === undefined) throw new Error(`bunbase runtime: chunk ${name} missing`);
    loaded.set(name, indirectEval(source) as unknown);
    sources.delete(name);
  }
  return loaded.get(name) as T;
}
