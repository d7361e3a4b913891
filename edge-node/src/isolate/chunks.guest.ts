/**
 * The guest half of the runtime's lazy chunks (runtime-chunks.ts): their sources are
 * taken from globalThis when the runtime starts, before any user code, and evaluated the
 * first time something asks for one.
 *
 * A chunk may first be evaluated long after user code started, so what it would capture
 * from globalThis then is what the runtime captured now: eval, and `Promise`, which the
 * chunk's wrapper takes as a parameter (web-streams-polyfill keeps the `Promise` it loads
 * with, and user code may have replaced the global by then, as bluebird users do).
 */
import { CHUNK_GLOBAL_PREFIX, CHUNK_NAMES, type ChunkName } from "./protocol.ts";

// Taken now: user code may replace globalThis.eval or Promise, never the ones the runtime holds.
const indirectEval = globalThis.eval;
const OriginalPromise = Promise;
const sources = new Map<ChunkName, string>();
const loaded = new Map<ChunkName, unknown>();

type ChunkWrapper = (promise: PromiseConstructor) => unknown;

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
    loaded.set(name, (indirectEval(source) as ChunkWrapper)(OriginalPromise));
    sources.delete(name);
  }
  return loaded.get(name) as T;
}

/** Whether the chunk was evaluated, without evaluating it. */
export function isChunkLoaded(name: ChunkName): boolean {
  return loaded.has(name);
}
