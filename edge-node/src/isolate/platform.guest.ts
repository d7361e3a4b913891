/**
 * Pure-JS pieces of the web platform a bare V8 isolate lacks (see
 * shared/design/isolate-notes.md for which ones load in an isolate). core-js installs
 * itself on globalThis; the text encoding classes and the streams ponyfill are installed
 * here. The bundle's banner sets `globalThis.self` before any of this runs.
 */
import "core-js/actual/url";
import "core-js/actual/url-search-params";
import "core-js/actual/structured-clone";
import "core-js/actual/atob";
import "core-js/actual/btoa";
import "core-js/actual/queue-microtask";
import "core-js/actual/dom-exception";
import * as textEncoding from "fast-text-encoding";
import {
  ByteLengthQueuingStrategy,
  CountQueuingStrategy,
  ReadableStream,
  TransformStream,
  WritableStream,
} from "web-streams-polyfill";

/** Defines a global the way the web platform does: writable, configurable, not enumerable. */
export function defineGlobal(name: string, value: unknown): void {
  Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
}

const platform = {
  TextEncoder: textEncoding.TextEncoder,
  TextDecoder: textEncoding.TextDecoder,
  ReadableStream,
  WritableStream,
  TransformStream,
  ByteLengthQueuingStrategy,
  CountQueuingStrategy,
};
for (const [name, value] of Object.entries(platform)) {
  if (value === undefined) throw new Error(`bunbase runtime: polyfill for ${name} failed to load`);
  defineGlobal(name, value);
}
