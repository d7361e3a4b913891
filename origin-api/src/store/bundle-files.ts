/**
 * Bundles on disk, named by their sha256: `<data>/bundles/<hex>.js` and `.js.map`.
 * Written through a temp file and a rename, so a reader never sees half a bundle.
 */
import { mkdirSync } from "node:fs";
import { readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { randomBytes } from "node:crypto";

export const BUNDLE_HASH = /^sha256:([0-9a-f]{64})$/;

export class BundleFiles {
  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  async write(bundleHash: string, code: string, map: string | undefined): Promise<void> {
    const hex = hexOf(bundleHash);
    await this.writeAtomic(`${hex}.js`, code);
    if (map !== undefined) await this.writeAtomic(`${hex}.js.map`, map);
  }

  async read(bundleHash: string): Promise<{ code: string; map?: string } | undefined> {
    const hex = hexOf(bundleHash);
    try {
      const code = await readFile(join(this.dir, `${hex}.js`), "utf8");
      const map = await readFile(join(this.dir, `${hex}.js.map`), "utf8").catch((err: NodeJS.ErrnoException) => {
        if (err.code === "ENOENT") return undefined;
        throw err;
      });
      return map === undefined ? { code } : { code, map };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
  }

  private async writeAtomic(name: string, content: string): Promise<void> {
    const tmp = join(this.dir, `.${name}.${randomBytes(6).toString("hex")}.tmp`);
    await writeFile(tmp, content);
    await rename(tmp, join(this.dir, name));
  }
}

function hexOf(bundleHash: string): string {
  const hex = BUNDLE_HASH.exec(bundleHash)?.[1];
  if (!hex) throw new Error(`not a bundle hash: ${bundleHash}`);
  return hex;
}
