/** esbuild plugins shared by the function build and the config loader. */
import { readFile } from "node:fs/promises";
import { builtinModules } from "node:module";
import { dirname, resolve as resolvePath, sep } from "node:path";
import type { Message, OnResolveArgs, OnResolveResult, Plugin, PluginBuild } from "esbuild";
import { SDK_GUEST_DIR, SDK_GUEST_IMPORTS, SDK_MODULES, type SdkModuleName } from "../../sdk/index.ts";

const VIRTUAL_NAMESPACE = "bunbase";

/** Where a virtual module's file is on this machine: onLoad reads it, its imports resolve next to it. */
interface VirtualFile {
  file: string;
}

/**
 * `@bunbase/functions` and `@bunbase/sdk` resolve to our guest files without an install.
 * They load in their own namespace so the bundle and its source map name them
 * `bunbase:@bunbase/...` rather than by a host path, which would differ between machines
 * and change the bundle hash. So do their imports: other guest files of `sdk/src/`
 * (`bunbase:sdk/auth.guest.ts`) and the one package they may use, jose
 * (`bunbase:node_modules/jose/dist/webapi/...`), found in our own node_modules whatever
 * the user installed. jose declares `sideEffects: false`, kept here, so a bundle that does
 * not call `auth()` carries none of it.
 */
export function bunbaseModulesPlugin(): Plugin {
  return {
    name: "bunbase-modules",
    setup(build) {
      build.onResolve({ filter: /^@bunbase\/(functions|sdk)$/ }, (args) => ({
        path: args.path,
        namespace: VIRTUAL_NAMESPACE,
        pluginData: { file: SDK_MODULES[args.path as SdkModuleName] } satisfies VirtualFile,
      }));
      build.onResolve({ filter: /.*/, namespace: VIRTUAL_NAMESPACE }, (args) => resolveGuestImport(build, args));
      build.onLoad({ filter: /.*/, namespace: VIRTUAL_NAMESPACE }, async (args) => {
        const { file } = args.pluginData as VirtualFile;
        return {
          contents: await readFile(file, "utf8"),
          loader: file.endsWith(".ts") ? "ts" : "js",
          pluginData: { file } satisfies VirtualFile,
        };
      });
    },
  };
}

/** An import made by one of the virtual modules: a guest file of ours, jose, or an error. */
async function resolveGuestImport(build: PluginBuild, args: OnResolveArgs): Promise<OnResolveResult> {
  const importer = (args.pluginData as VirtualFile | undefined)?.file;
  if (importer === undefined) return { errors: [{ text: `${args.importer} has no file behind it` }] };
  if (args.path.startsWith("./") || args.path.startsWith("../")) {
    const file = resolvePath(dirname(importer), args.path);
    const packageFile = packagePath(file);
    if (packageFile !== undefined) return virtual(`node_modules/${packageFile}`, file, false);
    if (dirname(file) === SDK_GUEST_DIR && file.endsWith(".guest.ts"))
      return virtual(`sdk/${file.slice(SDK_GUEST_DIR.length + 1)}`, file, undefined);
    return { errors: [{ text: `${args.path}: @bunbase modules import only sdk/src/*.guest.ts and jose` }] };
  }
  if (!(SDK_GUEST_IMPORTS as readonly string[]).includes(args.path)) {
    return { errors: [{ text: `${args.path}: @bunbase modules import only sdk/src/*.guest.ts and jose` }] };
  }
  const found = await build.resolve(args.path, { kind: args.kind, resolveDir: SDK_GUEST_DIR });
  if (found.errors.length > 0) return { errors: found.errors };
  return virtual(`node_modules/${packagePath(found.path) ?? args.path}`, found.path, false);
}

function virtual(path: string, file: string, sideEffects: false | undefined): OnResolveResult {
  return { path, namespace: VIRTUAL_NAMESPACE, pluginData: { file } satisfies VirtualFile, sideEffects };
}

/** `jose/dist/webapi/jwt/verify.js` of `/any/where/node_modules/jose/dist/webapi/jwt/verify.js`. */
function packagePath(file: string): string | undefined {
  const marker = `${sep}node_modules${sep}`;
  const at = file.lastIndexOf(marker);
  return at === -1
    ? undefined
    : file
        .slice(at + marker.length)
        .split(sep)
        .join("/");
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
                `"${args.path}" ${NODE_BUILTIN} edge isolates do not have. ` +
                `Use web APIs instead, or set placement: "origin" (or "auto") in function.config ` +
                `to run it with Node on the origin.`,
            },
          ],
        };
      });
    },
  };
}

const NODE_BUILTIN = "is a Node.js built-in, which";

/** A build that failed only because the code imports Node built-ins: it can run on the origin. */
export function needsNodeBuiltins(err: unknown): boolean {
  const e = err as { code?: unknown; details?: { diagnostics?: unknown } } | null;
  const diagnostics = e?.details?.diagnostics;
  if (e?.code !== "FN_005" || !Array.isArray(diagnostics) || diagnostics.length === 0) return false;
  return diagnostics.every(
    (d: { message?: unknown }) => typeof d.message === "string" && d.message.includes(NODE_BUILTIN),
  );
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
