/**
 * `functions init`: the files of a new function folder per runtime family. JS/TS runs in
 * edge isolates; Python and Go on origin workers (docs/runtimes.md), where a runtime the
 * machine lacks is refused at deploy with FN_005.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { goScaffold } from "./go.ts";
import { nodeScaffold } from "./node.ts";
import { pythonScaffold } from "./python.ts";
import { RUNTIMES } from "../../../bundler/index.ts";

/** File name -> content. */
export type Scaffold = Record<string, string>;

/** Every runtime but `container`, which is an image, not a folder to scaffold. */
export const SCAFFOLD_RUNTIMES = RUNTIMES.filter((runtime) => runtime !== "container");

/** Function names as the config schema accepts them. */
export const FUNCTION_NAME = /^[a-z][a-z0-9-]{0,62}$/;

export function scaffoldFor(name: string, runtime: string): Scaffold | undefined {
  const files = /^(nodejs(18|20|22)|bun|deno)$/.test(runtime)
    ? nodeScaffold(name, runtime)
    : /^python3\.(10|11|12)$/.test(runtime)
      ? pythonScaffold(name, runtime)
      : runtime === "go1.x"
        ? goScaffold(name, runtime)
        : undefined;
  return files && { ...files, ".gitignore": GITIGNORE };
}

/**
 * `.bunbase/` holds what `functions dev` and `functions test` keep on this machine: the
 * platform's keys and store, and the local store of `@bunbase/sdk` data (`.bunbase/local`).
 */
const GITIGNORE = `# bunbase functions dev / test: local keys and data, never committed
.bunbase/
node_modules/
`;

/** Writes the scaffold into a new folder; refuses (returns false) when the folder exists. */
export function writeScaffold(folder: string, files: Scaffold): boolean {
  if (existsSync(folder)) return false;
  mkdirSync(folder, { recursive: true });
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(dirname(join(folder, file)), { recursive: true });
    writeFileSync(join(folder, file), content);
  }
  return true;
}

export function originReadme(name: string, runtime: string, source: string, testCommand: string): string {
  return `# ${name}

A Bunbase function (${runtime}): \`${source}\` answers \`GET|POST /${name}\`.

${runtime} functions run on origin workers (runc containers on the origin), not in edge
isolates: see docs/runtimes.md. A platform without ${runtime} installed refuses the deploy
with FN_005 naming the runtime.

\`\`\`sh
${testCommand}                        # the unit test
bunbase functions deploy ${name}
curl http://127.0.0.1:8787/${name}?name=you
\`\`\`
`;
}
