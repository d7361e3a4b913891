/** esbuild plugins shared by the function build and the config loader. */
import { readFile } from "node:fs/promises";
import { builtinModules } from "node:module";
import type { Message, Plugin } from "esbuild";
import { SDK_MODULES, type SdkModuleName } from "../../sdk/index.ts";

const VIRTUAL_NAMESPACE = "bunbase";

/**
 * `@bunbase/functions` and `@bunbase/sdk` resolve to our guest files without an install.
 * They load in their own namespace so the bundle and its source map name them
 * `bunbase:@bunbase/...` rather than by a host path, which would differ between machines
 * and change the bundle hash.
 */
export function bunbaseModulesPlugin(): Plugin {
  return {
    name: "bunbase-modules",
    setup(build) {
      build.onResolve({ filter: /^@bunbase\/(functions|sdk)$/ }, (args) => ({
        path: args.path,
        namespace: VIRTUAL_NAMESPACE,
      }));
      build.onLoad({ filter: /.*/, namespace: VIRTUAL_NAMESPACE }, async (args) => ({
        contents: await readFile(SDK_MODULES[args.path as SdkModuleName], "utf8"),
        loader: "ts",
      }));
    },
  };
}

const BUILTIN_NAMES = builtinModules.filter((name) => !name.startsWith("_")).map(escapeRegExp);
const BUILTIN_FILTER = new RegExp(`^(node:.*|(${BUILTIN_NAMES.join("|")})(/.*)?)$`);
const SKIP = "bunbase-builtin-check";

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * An isolate has no Node built-ins. For edge code an import of one is an error that tells
 * the user what to do, unless a package of theirs (or a `browser` field mapping) provides
 * the name. For origin code they stay external: the real runtime provides them.
 */
export function nodeBuiltinsPlugin(edge: boolean): Plugin {
  return {
    name: "bunbase-node-builtins",
    setup(build) {
      build.onResolve({ filter: BUILTIN_FILTER }, async (args) => {
        if ((args.pluginData as Record<string, unknown> | undefined)?.[SKIP]) return undefined;
        if (!edge) return { path: args.path, external: true };
        if (!args.path.startsWith("node:")) {
          const found = await build.resolve(args.path, {
            kind: args.kind,
            importer: args.importer,
            resolveDir: args.resolveDir,
            pluginData: { [SKIP]: true },
          });
          if (found.errors.length === 0) return found;
        }
        return {
          errors: [
            {
              text:
                `"${args.path}" is a Node.js built-in, which edge isolates do not have. ` +
                `Use web APIs instead, or set placement: "origin" in function.config ` +
                `(origin workers, which run Node, come in a later release).`,
            },
          ],
        };
      });
    },
  };
}

export interface Diagnostic {
  file: string;
  line: number;
  column: number;
  message: string;
}

/** esbuild messages in the contract's diagnostic shape; lines and columns 1-based, as editors show them. */
export function toDiagnostics(messages: readonly Message[]): Diagnostic[] {
  return messages.map((m) => ({
    file: m.location?.file ?? "",
    line: m.location?.line ?? 0,
    column: m.location ? m.location.column + 1 : 0,
    message: m.text,
  }));
}

export function formatMessage(m: Message): string {
  return m.location ? `${m.location.file}:${m.location.line}:${m.location.column + 1}: ${m.text}` : m.text;
}
