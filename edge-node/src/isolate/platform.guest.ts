/**
 * Pure-JS pieces of the web platform a bare V8 isolate lacks (see
 * shared/design/isolate-notes.md for which ones load in an isolate). core-js installs
 * itself on globalThis; the streams ponyfill and our UTF-8 TextEncoder/TextDecoder
 * (text-encoding.guest.ts: fast-text-encoding has no `fatal` or `stream`, which libraries
 * such as jose use) are installed here. The bundle's banner sets `globalThis.self` before any of this runs.
 */
import "core-js/actual/url";
import "core-js/actual/url-search-params";
import "core-js/actual/structured-clone";
import "core-js/actual/atob";
import "core-js/actual/btoa";
import "core-js/actual/queue-microtask";
import "core-js/actual/dom-exception";
import {
  ByteLengthQueuingStrategy,
  CountQueuingStrategy,
  ReadableStream,
  TransformStream,
  WritableStream,
} from "web-streams-polyfill";
import { TextDecoder, TextEncoder } from "./text-encoding.guest.ts";

/** Defines a global the way the web platform does: writable, configurable, not enumerable. */
export function defineGlobal(name: string, value: unknown): void {
  Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
}

const platform = {
  TextEncoder,
  TextDecoder,
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
