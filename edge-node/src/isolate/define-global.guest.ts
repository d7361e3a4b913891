// Taken when the runtime starts: lazy globals (url.guest.ts, streams.guest.ts) define
// themselves later, when user code may have replaced Object.defineProperty.
const { defineProperty } = Object;

/** Defines a global the way the web platform does: writable, configurable, not enumerable. */
export function defineGlobal(name: string, value: unknown): void {
  defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
}

/**
 * Defines each of `names` as an accessor until its code is loaded (url.guest.ts,
 * streams.guest.ts): reading one gives `read(name)`, which loads what it needs and puts
 * the real value in place; assigning one first replaces it without loading. Returns each
 * getter, by which a global still in the loader's hands can be told apart.
 */
export function defineLazyGlobals<N extends string>(
  names: readonly N[],
  read: (name: N) => unknown,
): Map<N, () => unknown> {
  const getters = new Map<N, () => unknown>();
  for (const name of names) {
    const get = () => read(name);
    getters.set(name, get);
    defineProperty(globalThis, name, {
      configurable: true,
      enumerable: false,
      get,
      set(value: unknown) {
        defineGlobal(name, value);
      },
    });
  }
  return getters;
}
