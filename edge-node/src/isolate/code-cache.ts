/**
 * V8 code cache for user bundles, produced by us on a version's first compile and reused
 * by its later cold starts: kept in memory and, when the pool has a directory, on disk.
 * Keyed by bundle hash and `process.versions.v8` (cached data is machine code for one V8
 * build). Never accepted from a user: it only ever comes from our own compileModule.
 */
import { createHash } from "node:crypto";
import { mkdir, readFile, readdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createLogger } from "../../../core/index.ts";

const log = createLogger("isolate");
const MAX_IN_MEMORY = 256;

export class CodeCache {
  readonly #dir: string | undefined;
  /** Insertion order = recency; the oldest entries go first. */
  readonly #memory = new Map<string, Uint8Array>();
  /**
   * Keys with a file on disk, listed once: a version's first cold start (no cache
   * anywhere yet) then costs no file-system round trip.
   */
  #onDisk: Promise<Set<string>> | null = null;

  constructor(dir?: string) {
    this.#dir = dir;
  }

  #key(bundleHash: string): string {
    return createHash("sha256").update(`${bundleHash}\0${process.versions.v8}`).digest("hex");
  }

  async get(bundleHash: string): Promise<Uint8Array | undefined> {
    const key = this.#key(bundleHash);
    const hit = this.#memory.get(key);
    if (hit !== undefined) {
      this.#memory.delete(key);
      this.#memory.set(key, hit);
      return hit;
    }
    if (this.#dir === undefined || !(await this.#listing(this.#dir)).has(key)) return undefined;
    try {
      const bytes = new Uint8Array(await readFile(join(this.#dir, `${key}.v8cache`)));
      this.#remember(key, bytes);
      return bytes;
    } catch {
      return undefined; // no cache yet (or unreadable): compile without one
    }
  }

  #listing(dir: string): Promise<Set<string>> {
    this.#onDisk ??= readdir(dir).then(
      (names) => new Set(names.filter((name) => name.endsWith(".v8cache")).map((name) => name.slice(0, -8))),
      () => new Set<string>(), // no directory yet: nothing cached
    );
    return this.#onDisk;
  }

  /** Stores what our own compile produced; a rejected cache is replaced the same way. */
  set(bundleHash: string, bytes: Uint8Array): void {
    const key = this.#key(bundleHash);
    this.#remember(key, bytes);
    if (this.#dir !== undefined) void this.#persist(this.#dir, key, bytes);
  }

  /** Forgets a cache V8 rejected, so the next compile produces a fresh one. */
  drop(bundleHash: string): void {
    this.#memory.delete(this.#key(bundleHash));
  }

  #remember(key: string, bytes: Uint8Array): void {
    this.#memory.set(key, bytes);
    while (this.#memory.size > MAX_IN_MEMORY) this.#memory.delete(this.#memory.keys().next().value as string);
  }

  async #persist(dir: string, key: string, bytes: Uint8Array): Promise<void> {
    try {
      await mkdir(dir, { recursive: true });
      const tmp = join(dir, `${key}.${process.pid}.tmp`);
      await writeFile(tmp, bytes, { mode: 0o600 });
      await rename(tmp, join(dir, `${key}.v8cache`));
      (await this.#listing(dir)).add(key);
    } catch (error) {
      log.warn({ err: error }, "could not write the code cache");
    }
  }
}
