/**
 * Origin-worker artifacts by content hash, under `<data dir>/artifacts/<hex>/`: a runtime
 * version's built code folder (`code/`, mounted at /code) or an image's unpacked root
 * (`rootfs/`), and `artifact.json` saying which. Built into a temp folder and renamed into
 * place, so a reader never sees half an artifact; the same build twice is one artifact.
 * The API writes them at deploy; the runner (same data dir) reads them to start containers.
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { lstat, mkdir, readdir, readFile, readlink, rename, rm, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import type { FunctionConfig, Runtime } from "../../../bundler/index.ts";
import { BunbaseError } from "../../../core/index.ts";
import { imageLaunchSpec, type ImageInfo } from "./image/image-info.ts";
import { unpackImage } from "./image/unpack.ts";
import { buildArtifact, launchSpec } from "./runtimes/index.ts";
import type { LaunchSpec } from "./types.ts";

type ArtifactFile = { kind: "runtime"; runtime: Runtime } | { kind: "image"; image: Omit<ImageInfo, "rootfs"> };

export interface StoredArtifact {
  /** `sha256:<hex>` */
  hash: string;
  sizeBytes: number;
  warnings: string[];
}

const HASH = /^sha256:([0-9a-f]{64})$/;

export class ArtifactStore {
  constructor(private readonly dir: string) {}

  /** Builds an uploaded function folder for its runtime (FN_005 with diagnostics on a build error). */
  async buildRuntime(srcDir: string, config: FunctionConfig): Promise<StoredArtifact> {
    const tmp = await this.tempDir();
    try {
      const code = join(tmp, "code");
      const { warnings } = await buildArtifact({ runtime: config.runtime, srcDir, outDir: code, config });
      const { hash, sizeBytes } = await hashTree(code, config.runtime);
      await this.settle(tmp, hash, { kind: "runtime", runtime: config.runtime });
      return { hash, sizeBytes, warnings };
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }

  /** Unpacks an image archive (FN_005 for anything unsafe or malformed). */
  async storeImage(archive: Buffer): Promise<StoredArtifact> {
    const hash = `sha256:${createHash("sha256").update(archive).digest("hex")}`;
    const known = this.read(hash);
    if (known?.kind === "image") return { hash, sizeBytes: archive.length, warnings: known.image.warnings };
    const tmp = await this.tempDir();
    try {
      const info = await unpackImage(archive, tmp);
      const { rootfs: _rootfs, ...image } = info;
      await this.settle(tmp, hash, { kind: "image", image });
      return { hash, sizeBytes: archive.length, warnings: info.warnings };
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }

  /** What a container of this artifact runs. */
  launchSpec(hash: string): LaunchSpec {
    const file = this.read(hash);
    if (file === undefined) {
      throw new BunbaseError("FN_008", `The artifact ${hash} is missing on this origin (deploy again)`);
    }
    const root = this.pathOf(hash);
    if (file.kind === "image") return imageLaunchSpec({ ...file.image, rootfs: join(root, "rootfs") });
    return launchSpec({ runtime: file.runtime, codeDir: join(root, "code") });
  }

  private read(hash: string): ArtifactFile | undefined {
    const path = join(this.pathOf(hash), "artifact.json");
    if (!existsSync(path)) return undefined;
    return JSON.parse(readFileSync(path, "utf8")) as ArtifactFile;
  }

  private pathOf(hash: string): string {
    const hex = HASH.exec(hash)?.[1];
    if (!hex) throw new BunbaseError("FN_008", `not an artifact hash: ${hash}`);
    return join(this.dir, hex);
  }

  private async tempDir(): Promise<string> {
    const tmp = join(this.dir, `.tmp-${randomBytes(6).toString("hex")}`);
    await mkdir(tmp, { recursive: true });
    return tmp;
  }

  /** Moves a finished temp folder into place, unless the same artifact is already there. */
  private async settle(tmp: string, hash: string, file: ArtifactFile): Promise<void> {
    await writeFile(join(tmp, "artifact.json"), JSON.stringify(file, null, 2) + "\n");
    const target = this.pathOf(hash);
    if (existsSync(join(target, "artifact.json"))) return;
    await rm(target, { recursive: true, force: true });
    await rename(tmp, target);
  }
}

/**
 * A stable hash of a folder: every entry's path, type, executable bit and content (or link
 * target), in sorted order, plus the runtime (the same code on another runtime is another
 * artifact).
 */
export async function hashTree(root: string, salt: string): Promise<{ hash: string; sizeBytes: number }> {
  const hash = createHash("sha256").update(`${salt}\n`);
  let sizeBytes = 0;
  const walk = async (dir: string): Promise<void> => {
    const names = (await readdir(dir)).sort();
    for (const name of names) {
      const path = join(dir, name);
      const rel = relative(root, path);
      const stat = await lstat(path);
      if (stat.isDirectory()) {
        hash.update(`d ${rel}\n`);
        await walk(path);
      } else if (stat.isSymbolicLink()) {
        hash.update(`l ${rel} ${await readlink(path)}\n`);
      } else if (stat.isFile()) {
        const content = await readFile(path);
        sizeBytes += content.length;
        const exec = stat.mode & 0o111 ? "x" : "-";
        hash.update(`f ${rel} ${exec} ${createHash("sha256").update(content).digest("hex")}\n`);
      }
    }
  };
  await walk(root);
  return { hash: `sha256:${hash.digest("hex")}`, sizeBytes };
}
