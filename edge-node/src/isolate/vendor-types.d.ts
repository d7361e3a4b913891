// fast-text-encoding ships no types. Bundled by esbuild as CommonJS, it attaches its
// classes to its own exports (its top-level `this`), not to globalThis.
declare module "fast-text-encoding" {
  export const TextEncoder: typeof globalThis.TextEncoder | undefined;
  export const TextDecoder: typeof globalThis.TextDecoder | undefined;
}
