/**
 * WHATWG Streams (web-streams-polyfill, ~62 KB): a lazy chunk (runtime-chunks.ts) evaluated
 * the first time a stream is really needed, not in every new isolate, since most functions
 * never touch one: `new Response("text")` returned by a handler crosses as bytes.
 *
 * Until then the five globals are accessors that load it and become the classes. The
 * runtime's own code asks `streams()` for the classes: reading a body as a stream, a
 * streamed request or fetch body, Blob.stream(), the encoding and compression streams.
 * And it asks `isReadableStream()` whether a value is one without loading anything: no
 * value can be a stream before the chunk was evaluated.
 */
import type * as Polyfill from "web-streams-polyfill";
import { isChunkLoaded, loadChunk } from "./chunks.guest.ts";
import { defineGlobal, defineLazyGlobals } from "./define-global.guest.ts";

const NAMES = [
  "ReadableStream",
  "WritableStream",
  "TransformStream",
  "ByteLengthQueuingStrategy",
  "CountQueuingStrategy",
] as const;
type StreamName = (typeof NAMES)[number];
export type Streams = Pick<typeof Polyfill, StreamName>;

// Taken now: user code may replace it before the chunk loads.
const { getOwnPropertyDescriptor } = Object;
/** The getter of each global while it is still the runtime's loader. */
let loaders = new Map<StreamName, () => unknown>();

/** The stream classes; the first call evaluates the chunk and puts them in the globals still loading it. */
export function streams(): Streams {
  if (isChunkLoaded("streams")) return loadChunk<Streams>("streams");
  const classes = loadChunk<Streams>("streams");
  for (const name of NAMES) {
    // A global user code assigned or redefined meanwhile stays as it is, and so does one
    // it froze (the loader keeps answering the class).
    const own = getOwnPropertyDescriptor(globalThis, name);
    if (own?.get === loaders.get(name) && own?.configurable === true) defineGlobal(name, classes[name]);
  }
  return classes;
}

/** `value instanceof ReadableStream` without loading the chunk (nothing can be one before). */
export function isReadableStream(value: unknown): value is Polyfill.ReadableStream<Uint8Array> {
  return isChunkLoaded("streams") && value instanceof streams().ReadableStream;
}

/** Installs the globals as loaders; assigning one first replaces it without loading. */
export function installLazyStreams(): void {
  loaders = defineLazyGlobals(NAMES, (name) => streams()[name]);
}
