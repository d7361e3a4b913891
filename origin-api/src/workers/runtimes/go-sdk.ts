/**
 * `bunbase.dev/sdk` in a Go function's build (build-go.ts): the generated main imports it
 * to bind each request's SDK token to its context, and user code may import it too. The
 * module is our folder sdk/go (stdlib only); the copy of the user's module requires it at
 * v0.0.0 and replaces it by that folder, so the build stays offline. A vendoring module
 * (vendor/modules.txt) gets it in vendor/ as `go mod vendor` would have put it there.
 */
import { existsSync } from "node:fs";
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const GO_SDK_MODULE = "bunbase.dev/sdk";
export const GO_SDK_DIR = fileURLToPath(new URL("./sdk/go", import.meta.url));

/** vendor/modules.txt without any entry of ours, then ours (Go's own format since 1.17). */
export function vendorManifest(text: string, goVersion: string): string {
  const kept: string[] = [];
  let skipping = false;
  for (const line of text.split("\n")) {
    if (line.startsWith("# ")) skipping = line.startsWith(`# ${GO_SDK_MODULE} `);
    if (!skipping && line !== "") kept.push(line);
  }
  const entry = [`# ${GO_SDK_MODULE} v0.0.0 => ${GO_SDK_DIR}`, `## explicit; go ${goVersion}`, GO_SDK_MODULE];
  return [...entry, ...kept, `# ${GO_SDK_MODULE} => ${GO_SDK_DIR}`, ""].join("\n");
}

async function sdkGoVersion(): Promise<string> {
  const text = await readFile(join(GO_SDK_DIR, "go.mod"), "utf8");
  return /^go\s+(\S+)/m.exec(text)?.[1] ?? "1.21";
}

export const provideGoSdk = {
  /** `go mod edit` arguments for the copy's go.mod. */
  editArgs: [`-require=${GO_SDK_MODULE}@v0.0.0`, `-replace=${GO_SDK_MODULE}=${GO_SDK_DIR}`],

  async vendor(moduleDir: string): Promise<void> {
    const manifest = join(moduleDir, "vendor", "modules.txt");
    if (!existsSync(manifest)) return;
    const target = join(moduleDir, "vendor", ...GO_SDK_MODULE.split("/"));
    await rm(target, { recursive: true, force: true });
    await mkdir(target, { recursive: true });
    for (const name of await readdir(GO_SDK_DIR)) {
      if (name.endsWith(".go") && !name.endsWith("_test.go"))
        await copyFile(join(GO_SDK_DIR, name), join(target, name));
    }
    await writeFile(manifest, vendorManifest(await readFile(manifest, "utf8"), await sdkGoVersion()));
  },
};
