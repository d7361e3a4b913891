/**
 * Lazy chunks of the guest runtime: code most functions never run (core-js's URL, pako's
 * zlib, web-streams-polyfill's streams), bundled apart from the runtime script and
 * evaluated in an isolate only when its code first needs it (chunks.guest.ts).
 *
 * Why apart: V8 keeps a script's source in the isolate that compiled it, and
 * isolated-vm's compileScript takes its own copy per isolate, so every byte of the runtime
 * script is paid once per warm function, and so is the heap its evaluation allocates (the
 * streams alone were ~0.2 MB of RSS per function). A chunk instead reaches every isolate
 * from one ExternalCopy per process: copied into an isolate it becomes an external string
 * over the same bytes (isolated-vm does that for strings over 1 KB), so its source exists
 * once on the node however many isolates hold it, and only the isolates that use it
 * evaluate it. The chunks are our code, built here: nothing a tenant uploads travels this way.
 */
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import ivm from "isolated-vm";
import { CHUNK_GLOBAL_PREFIX, CHUNK_NAMES, type ChunkName } from "./protocol.ts";

/** The value the chunk script evaluates to (its exports), named inside its wrapper. */
const EXPORTS = "__bunbase_chunk_exports";

let chunks: Promise<Map<ChunkName, ivm.ExternalCopy<string>>> | null = null;

async function bundleChunk(name: ChunkName): Promise<string> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL(`./chunks/${name}.chunk.ts`, import.meta.url))],
    bundle: true,
    write: false,
    platform: "neutral",
    format: "iife",
    globalName: EXPORTS,
    target: "es2022",
    mainFields: ["browser", "module", "main"],
    minify: true,
    legalComments: "none",
    logLevel: "silent",
  });
  // One expression, a function of the `Promise` the runtime started with (chunks.guest.ts),
  // so an indirect eval returns it and leaves no global behind; calling it gives the
  // exports. A parenthesized function expression, which V8 compiles eagerly: an arrow
  // there made a first load ~2.5x slower (streams 4.0 ms instead of 1.9, URL 10.8 instead
  // of 6.4). The sourceURL names its frames as the runtime's (source-map.ts keeps them out
  // of user stacks).
  return `(function (Promise) {${result.outputFiles[0].text}\nreturn ${EXPORTS};})\n//# sourceURL=bunbase:runtime-${name}\n`;
}

function chunkCopies(): Promise<Map<ChunkName, ivm.ExternalCopy<string>>> {
  chunks ??= Promise.all(CHUNK_NAMES.map(bundleChunk)).then((sources) => {
    const copies = new Map(CHUNK_NAMES.map((name, i) => [name, new ivm.ExternalCopy(sources[i])]));
    // Released by us before Node tears down: isolated-vm does not survive finalizing a
    // live ExternalCopy outside any isolate at exit. Isolates holding the bytes keep them.
    process.once("exit", () => {
      for (const copy of copies.values()) copy.release();
    });
    return copies;
  });
  return chunks;
}

/** Leaves every chunk's source in `context` for the runtime to take (before it is evaluated). */
export async function installChunks(context: ivm.Context): Promise<void> {
  const copies = await chunkCopies();
  await Promise.all(
    CHUNK_NAMES.map((name) => context.global.set(CHUNK_GLOBAL_PREFIX + name, copies.get(name)!.copyInto())),
  );
}
