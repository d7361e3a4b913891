/**
 * Pure-JS pieces of the web platform a bare V8 isolate lacks (see
 * shared/design/isolate-notes.md for which ones load in an isolate): our UTF-8
 * TextEncoder/TextDecoder (text-encoding.guest.ts: fast-text-encoding has no `fatal` or
 * `stream`, which libraries such as jose use), DOMException, atob/btoa, structuredClone
 * (@ungap/structured-clone) and, loaded on first use, URL and URLSearchParams
 * (url.guest.ts) and the streams ponyfill (streams.guest.ts).
 *
 * Every new isolate evaluates this, so it is kept cheap: core-js's versions of these made
 * the runtime take ~23 ms to evaluate and ~2 MB of heap per isolate; without them it is
 * ~2 ms and ~1 MB (measured with a micro-benchmark, see docs/performance.md).
 */
import { deserialize, serialize } from "@ungap/structured-clone";
import { atob, btoa } from "./base64.guest.ts";
import { defineGlobal } from "./define-global.guest.ts";
import { DOMException } from "./dom-exception.guest.ts";
import { installLazyStreams } from "./streams.guest.ts";
import { TextDecoder, TextEncoder } from "./text-encoding.guest.ts";
import { installLazyUrl } from "./url.guest.ts";

export { defineGlobal };

/** HTML's structuredClone: what cannot be cloned (functions, symbols) is a DataCloneError. */
function structuredClone(value: unknown, _options?: { transfer?: unknown[] }): unknown {
  if (arguments.length === 0) throw new TypeError("structuredClone requires 1 argument");
  let records: ReturnType<typeof serialize>;
  try {
    records = serialize(value);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new DOMException(`structuredClone: ${message}`, "DataCloneError");
  }
  return deserialize(records);
}

const platform = {
  TextEncoder,
  TextDecoder,
  DOMException,
  atob,
  btoa,
  structuredClone,
};
for (const [name, value] of Object.entries(platform)) {
  if (value === undefined) throw new Error(`bunbase runtime: polyfill for ${name} failed to load`);
  defineGlobal(name, value);
}
installLazyUrl();
installLazyStreams();
