/**
 * The guest modules user code imports, by virtual module name. The bundler resolves
 * `import ... from "@bunbase/functions"` (and `@bunbase/sdk`) to these files and bundles
 * them into the user's code; nothing here runs in a host process.
 */
import { fileURLToPath } from "node:url";

/** Absolute paths of the guest module behind each virtual import. */
export const SDK_MODULES = {
  "@bunbase/functions": fileURLToPath(new URL("./src/functions.guest.ts", import.meta.url)),
  "@bunbase/sdk": fileURLToPath(new URL("./src/sdk.guest.ts", import.meta.url)),
} as const;

export type SdkModuleName = keyof typeof SDK_MODULES;

/** The folder of the guest files; they may import each other (`./auth.guest.ts`). */
export const SDK_GUEST_DIR = fileURLToPath(new URL("./src", import.meta.url));

/**
 * The only packages the guest files may import, bundled from our own node_modules. jose
 * runs on WebCrypto (which isolates have) and is free of side effects at load, so
 * `function.config.ts` evaluation, which has no web APIs, never runs it.
 */
export const SDK_GUEST_IMPORTS = ["jose"] as const;
