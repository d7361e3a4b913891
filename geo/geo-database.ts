/**
 * The edge's GeoIP database: a location database (`BUNBASE_GEOIP_DB`: GeoLite2/GeoIP2
 * City or Country) and optionally an ASN database (`BUNBASE_GEOIP_ASN_DB`: GeoLite2 ASN),
 * each reloaded when its file changes. `lookup()` is synchronous and never throws.
 */
import { invalid } from "../core/src/errors.ts";
import { createLogger } from "../core/src/logger.ts";
import { geoInfoFromRecords, unknownGeo, type GeoInfo } from "./geo-info.ts";
import { parseIpAddress } from "./ip-address.ts";
import { WatchedMmdb, type GeoLog, type ReloadResult } from "./watched-mmdb.ts";

export const GEOIP_DB_ENV = "BUNBASE_GEOIP_DB";
export const GEOIP_ASN_DB_ENV = "BUNBASE_GEOIP_ASN_DB";

export interface GeoDatabaseOptions {
  /** Path of the location database (City or Country .mmdb). */
  path: string;
  /** Path of an ASN database; without one, `asn` comes from the location database if it has it. */
  asnPath?: string;
  /** Reload a file when it changes on disk (default true). */
  watch?: boolean;
  /** Quiet time after the last change before reloading, in ms (default 500). */
  debounceMs?: number;
  /** Where load and reload problems go (default: a `geo` process logger). */
  log?: GeoLog;
  /** Called after each reload attempt of either file that found it changed. */
  onReload?: (result: ReloadResult) => void;
}

export interface GeoDatabaseFile {
  file: string;
  databaseType: string;
  buildEpoch: Date;
}

export class GeoDatabase {
  readonly #location: WatchedMmdb;
  readonly #asn: WatchedMmdb | null;

  private constructor(location: WatchedMmdb, asn: WatchedMmdb | null) {
    this.#location = location;
    this.#asn = asn;
  }

  /**
   * Loads the database(s). A missing or corrupt file is a BunbaseError FN_006 whose
   * message names the setting and the file and says what is wrong, with `details.file`.
   */
  static async open(options: GeoDatabaseOptions): Promise<GeoDatabase> {
    const watchOptions = {
      watch: options.watch,
      debounceMs: options.debounceMs,
      log: options.log ?? createLogger("geo"),
      onReload: options.onReload,
    };
    const location = await WatchedMmdb.open(options.path, GEOIP_DB_ENV, watchOptions);
    if (options.asnPath === undefined) return new GeoDatabase(location, null);
    try {
      return new GeoDatabase(location, await WatchedMmdb.open(options.asnPath, GEOIP_ASN_DB_ENV, watchOptions));
    } catch (err) {
      location.close();
      throw err;
    }
  }

  /**
   * The database `BUNBASE_GEOIP_DB` (and `BUNBASE_GEOIP_ASN_DB`) names, or null when
   * `BUNBASE_GEOIP_DB` is unset or empty: then the edge has no geo data (`ctx.geo` null).
   */
  static async fromEnv(
    env: NodeJS.ProcessEnv = process.env,
    options: Omit<GeoDatabaseOptions, "path" | "asnPath"> = {},
  ): Promise<GeoDatabase | null> {
    const path = env[GEOIP_DB_ENV]?.trim() || undefined;
    const asnPath = env[GEOIP_ASN_DB_ENV]?.trim() || undefined;
    if (path === undefined) {
      if (asnPath === undefined) return null;
      throw invalid(
        GEOIP_ASN_DB_ENV,
        `is set but ${GEOIP_DB_ENV} is not; set ${GEOIP_DB_ENV} to a City or Country database`,
      );
    }
    return GeoDatabase.open({ ...options, path, asnPath });
  }

  /**
   * What is known of `ip` (IPv4, IPv6, IPv4-mapped IPv6; a port or brackets are
   * ignored): every field null when the address is unknown or not an address.
   */
  lookup(ip: string): GeoInfo {
    const address = parseIpAddress(ip);
    if (address === null) return unknownGeo();
    return geoInfoFromRecords(this.#location.get(address), this.#asn?.get(address) ?? null);
  }

  /** The files in use, for logs and health checks. */
  describe(): { location: GeoDatabaseFile; asn: GeoDatabaseFile | null } {
    const describe = (db: WatchedMmdb): GeoDatabaseFile => ({
      file: db.file,
      databaseType: db.databaseType,
      buildEpoch: db.buildEpoch,
    });
    return { location: describe(this.#location), asn: this.#asn === null ? null : describe(this.#asn) };
  }

  /** Reloads whichever file changed, now, without waiting for the watcher. */
  async reload(): Promise<void> {
    await Promise.all([this.#location.reload(), this.#asn?.reload()]);
  }

  /** Stops watching. Lookups keep working on the databases last loaded. */
  close(): void {
    this.#location.close();
    this.#asn?.close();
  }
}
