// Taken when the runtime starts: lazy globals (url.guest.ts, streams.guest.ts) define
// themselves later, when user code may have replaced Object.defineProperty.
const { defineProperty } = Object;

/** Defines a global the way the web platform does: writable, configurable, not enumerable. */
export function defineGlobal(name: string, value: unknown): void {
  defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
}
