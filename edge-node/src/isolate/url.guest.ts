/**
 * `URL` and `URLSearchParams`: core-js's WHATWG implementation, evaluated the first time
 * user code touches either global rather than in every new isolate (it is ~5 ms of
 * evaluation and ~0.3 MB of heap, most of what the runtime costs). Until then both are
 * accessors on globalThis that load it and put the real classes in their place. The
 * runtime itself never needs them on the request path: the invocation's Request gets a
 * URL the host already parsed (hostRequest() in request-response.guest.ts).
 */
import { loadChunk } from "./chunks.guest.ts";
import { defineGlobal, defineLazyGlobals } from "./define-global.guest.ts";

const NAMES = ["URL", "URLSearchParams"] as const;
let loaded = false;

function load(): void {
  if (loaded) return;
  loaded = true;
  const scope = globalThis as unknown as Record<string, unknown>;
  for (const name of NAMES) delete scope[name];
  loadChunk("url"); // core-js's, a chunk apart from the runtime script (runtime-chunks.ts)
  // core-js keeps its shared state in a global; its modules already hold it in closures.
  delete scope["__core-js_shared__"];
  for (const name of NAMES) {
    if (typeof scope[name] !== "function") throw new Error(`bunbase runtime: polyfill for ${name} failed to load`);
    defineGlobal(name, scope[name]);
  }
}

/** Installs both globals as loaders; assigning one first replaces it without loading. */
export function installLazyUrl(): void {
  defineLazyGlobals(NAMES, (name) => {
    load();
    return (globalThis as unknown as Record<string, unknown>)[name];
  });
}

/** `value instanceof URLSearchParams` without loading the polyfill (nothing can be one before). */
export function isUrlSearchParams(value: unknown): value is URLSearchParams {
  return (
    loaded && value instanceof (globalThis as unknown as { URLSearchParams: typeof URLSearchParams }).URLSearchParams
  );
}
