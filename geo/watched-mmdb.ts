/**
 * One MaxMind DB file kept current: the file's folder is watched, events are debounced,
 * the changed file is read and checked off to the side, and only a good one replaces the
 * database lookups use (one reference swap, so a lookup sees the old or the new file,
 * never a mix). A bad or half-written file is logged and the previous database stays.
 */
import { watch, type FSWatcher } from "node:fs";
import { dirname } from "node:path";
import { fileSignature, loadMmdb, type LoadedMmdb } from "./mmdb-file.ts";
import { formatIpAddress, type IpAddress } from "./ip-address.ts";
import type { MmdbRecord } from "./geo-info.ts";

/** The logging this module needs; a pino Logger fits. */
export interface GeoLog {
  info(fields: object, msg: string): void;
  warn(fields: object, msg: string): void;
  error(fields: object, msg: string): void;
}

export interface WatchOptions {
  /** Watch the file and reload it when it changes (default true). */
  watch?: boolean;
  /** Quiet time after the last change event before reloading, in ms (default 500). */
  debounceMs?: number;
  log: GeoLog;
  /** Called after each reload attempt that found a changed file; for tests and metrics. */
  onReload?: (result: ReloadResult) => void;
}

export type ReloadResult =
  { file: string; ok: true; databaseType: string; buildEpoch: Date } | { file: string; ok: false; error: Error };

const MISSING = "missing";

export class WatchedMmdb {
  #current: LoadedMmdb;
  /** Signature of the last file that failed to load: its events are not logged again. */
  #failedSignature: string | null = null;
  #lookupFailureLogged = false;
  #watcher: FSWatcher | null = null;
  #timer: NodeJS.Timeout | null = null;
  #reloading: Promise<void> | null = null;
  #reloadAgain = false;
  #closed = false;
  readonly #setting: string;
  readonly #options: WatchOptions;

  private constructor(loaded: LoadedMmdb, setting: string, options: WatchOptions) {
    this.#current = loaded;
    this.#setting = setting;
    this.#options = options;
  }

  /** Loads `file` (FN_006 if it is missing or corrupt) and starts watching it. */
  static async open(file: string, setting: string, options: WatchOptions): Promise<WatchedMmdb> {
    const db = new WatchedMmdb(await loadMmdb(file, setting), setting, options);
    if (options.watch !== false) db.#startWatching();
    return db;
  }

  get file(): string {
    return this.#current.file;
  }

  get databaseType(): string {
    return this.#current.databaseType;
  }

  get buildEpoch(): Date {
    return this.#current.buildEpoch;
  }

  /** The record for `address`, or null. Never throws: a decoder error is logged once per file. */
  get(address: IpAddress): MmdbRecord | null {
    const loaded = this.#current;
    if (address.kind() === "ipv6" && loaded.reader.metadata.ipVersion === 4) return null;
    try {
      return loaded.reader.get(formatIpAddress(address)) as MmdbRecord | null;
    } catch (err) {
      if (!this.#lookupFailureLogged) {
        this.#lookupFailureLogged = true;
        this.#options.log.error({ file: loaded.file, err }, "GeoIP lookup failed: the database is corrupt");
      }
      return null;
    }
  }

  /**
   * Loads the file again if it changed since it was loaded; resolves once done. Concurrent
   * calls share one load, plus one more if a change arrived during it.
   */
  reload(): Promise<void> {
    if (this.#reloading !== null) {
      this.#reloadAgain = true;
      return this.#reloading;
    }
    this.#reloading = (async () => {
      do {
        this.#reloadAgain = false;
        await this.#reloadOnce();
      } while (this.#reloadAgain && !this.#closed);
    })().finally(() => {
      this.#reloading = null;
    });
    return this.#reloading;
  }

  close(): void {
    this.#closed = true;
    this.#watcher?.close();
    this.#watcher = null;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  async #reloadOnce(): Promise<void> {
    const file = this.#current.file;
    let signature: string;
    try {
      signature = await fileSignature(file);
    } catch (err) {
      // Gone, perhaps only between an unlink and a rename: its return is another event.
      if (this.#failedSignature !== MISSING) {
        this.#failedSignature = MISSING;
        const reason = (err as Error).message;
        this.#options.log.warn({ file, err: reason }, "GeoIP database file is gone; still serving the previous one");
      }
      return;
    }
    if (signature === this.#current.signature || signature === this.#failedSignature) return;
    try {
      const loaded = await loadMmdb(file, this.#setting);
      if (this.#closed) return;
      this.#current = loaded;
      this.#failedSignature = null;
      this.#lookupFailureLogged = false;
      const { databaseType, buildEpoch } = loaded;
      this.#options.log.info({ file, databaseType, buildEpoch }, "GeoIP database reloaded");
      this.#options.onReload?.({ file, ok: true, databaseType, buildEpoch });
    } catch (err) {
      this.#failedSignature = signature;
      const error = err as Error;
      this.#options.log.error(
        { file, err: error.message },
        "GeoIP database reload failed; still serving the previous database",
      );
      this.#options.onReload?.({ file, ok: false, error });
    }
  }

  /**
   * Watches the folder rather than the file: an update that renames a new file into place
   * (geoipupdate, Kubernetes volume swaps) replaces the inode a file watch would follow.
   * Every event in the folder is a hint (other files' events cost one stat); the file's
   * signature says whether it changed.
   */
  #startWatching(): void {
    const file = this.#current.file;
    try {
      this.#watcher = watch(dirname(file), { persistent: false }, () => this.#schedule());
      this.#watcher.on("error", (err) => {
        this.#options.log.warn({ file, err: err.message }, "GeoIP database watch stopped; reloads are off");
        this.#watcher?.close();
        this.#watcher = null;
      });
    } catch (err) {
      this.#options.log.warn({ file, err: (err as Error).message }, "cannot watch the GeoIP database; reloads are off");
    }
  }

  #schedule(): void {
    if (this.#closed) return;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.reload();
    }, this.#options.debounceMs ?? 500);
    this.#timer.unref();
  }
}
