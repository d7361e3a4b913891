/**
 * Bundles by content hash: memory LRU -> disk cache -> origin. A bundle's bytes are
 * checked against its sha256 name before they are used or cached, so a corrupt cache
 * file or a wrong answer can never run as another version. The edge fetches the bundles
 * of a new config before it applies it (prefetch), so a cold start finds its bundle in
 * memory instead of asking the origin.
 */
import { createHash } from "node:crypto";
import { mkdirSync } from "node:fs";
import { readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { LRUCache } from "lru-cache";
import { BunbaseError } from "../../../core/index.ts";

export interface Bundle {
  code: string;
  map?: string;
}

const HASH = /^sha256:([0-9a-f]{64})$/;
const PREFETCH_PARALLEL = 4;

export class BundleStore {
  private readonly memory = new LRUCache<string, Bundle>({
    maxSize: 256 * 1024 * 1024,
    sizeCalculation: (b) => b.code.length + (b.map?.length ?? 0) + 1,
  });
  private readonly pending = new Map<string, Promise<Bundle>>();

  constructor(
    private readonly dir: string,
    private readonly apiUrl: string,
    private readonly apiKey: string,
    private readonly onPersistError: (err: unknown) => void = () => undefined,
  ) {
    mkdirSync(dir, { recursive: true });
  }

  async get(bundleHash: string): Promise<Bundle> {
    const cached = this.memory.get(bundleHash);
    if (cached) return cached;
    let pending = this.pending.get(bundleHash);
    if (!pending) {
      pending = this.load(bundleHash).finally(() => this.pending.delete(bundleHash));
      this.pending.set(bundleHash, pending);
    }
    return pending;
  }

  /** Loads every bundle not yet in memory, PREFETCH_PARALLEL at a time; failures are left to get(). */
  async prefetch(bundleHashes: Iterable<string>): Promise<void> {
    const missing = [...new Set(bundleHashes)].filter((hash) => !this.memory.has(hash));
    const next = async (): Promise<void> => {
      for (let hash = missing.shift(); hash !== undefined; hash = missing.shift()) {
        await this.get(hash).catch(() => undefined);
      }
    };
    await Promise.all(Array.from({ length: PREFETCH_PARALLEL }, next));
  }

  private async load(bundleHash: string): Promise<Bundle> {
    const hex = HASH.exec(bundleHash)?.[1];
    if (!hex) throw new BunbaseError("FN_004", `invalid bundle hash ${bundleHash}`, { status: 500 });
    const bundle = (await this.fromDisk(hex)) ?? (await this.fromOrigin(bundleHash, hex));
    this.memory.set(bundleHash, bundle);
    return bundle;
  }

  private async fromDisk(hex: string): Promise<Bundle | undefined> {
    try {
      const code = await readFile(join(this.dir, `${hex}.js`), "utf8");
      if (sha256(code) !== hex) return undefined; // corrupt: fetch again
      const map = await readFile(join(this.dir, `${hex}.js.map`), "utf8").catch(() => undefined);
      return { code, map };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
  }

  private async fromOrigin(bundleHash: string, hex: string): Promise<Bundle> {
    const res = await fetch(new URL(`/internal/bundles/${bundleHash}`, this.apiUrl), {
      headers: { authorization: `Bearer ${this.apiKey}` },
    });
    if (!res.ok) throw new BunbaseError("FN_008", `bundle ${bundleHash} unavailable from the origin (${res.status})`);
    const bundle = (await res.json()) as Bundle;
    if (typeof bundle.code !== "string" || sha256(bundle.code) !== hex) {
      throw new BunbaseError("FN_008", `bundle ${bundleHash} failed its integrity check`);
    }
    // The disk copy is for the next process start: not waited for.
    void this.persist(hex, bundle);
    return bundle;
  }

  private async persist(hex: string, bundle: Bundle): Promise<void> {
    try {
      if (typeof bundle.map === "string") await this.writeAtomic(`${hex}.js.map`, bundle.map);
      await this.writeAtomic(`${hex}.js`, bundle.code);
    } catch (err) {
      this.onPersistError(err);
    }
  }

  private async writeAtomic(name: string, content: string): Promise<void> {
    const tmp = join(this.dir, `.${name}.${process.pid}.${Date.now()}.tmp`);
    await writeFile(tmp, content);
    await rename(tmp, join(this.dir, name));
  }
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
