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
