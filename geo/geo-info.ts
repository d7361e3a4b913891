/**
 * What the edge knows of a client's location: the `x-bunbase-*` geo headers and the
 * handler's `ctx.geo` (contract sections 4 and 5) are both made from one GeoInfo.
 */

export interface GeoInfo {
  /** ISO 3166-1 alpha-2 country of the address's location, upper case: `GB`. */
  country: string | null;
  /** Continent code: `AF AN AS EU NA OC SA` (the values `edge.geo[].continents` takes). */
  continent: string | null;
  /** ISO 3166-2 code of the largest subdivision, without the country: `ENG`, `CA`. */
  region: string | null;
  /** City name in English: `London`, `Linköping`. */
  city: string | null;
  latitude: number | null;
  longitude: number | null;
  /** Autonomous system number: `29518`. */
  asn: number | null;
  /** IANA time zone of the location: `Europe/London`. */
  timezone: string | null;
}

/** Nothing known: an address absent from the database, or not an address. */
export function unknownGeo(): GeoInfo {
  return {
    country: null,
    continent: null,
    region: null,
    city: null,
    latitude: null,
    longitude: null,
    asn: null,
    timezone: null,
  };
}

/**
 * The fields this module reads from a MaxMind record. City, Country, Enterprise and ASN
 * databases all fit: each has some of them, and none is required.
 */
export interface MmdbRecord {
  country?: { iso_code?: string };
  continent?: { code?: string };
  subdivisions?: { iso_code?: string }[];
  city?: { names?: { en?: string } };
  location?: { latitude?: number; longitude?: number; time_zone?: string };
  traits?: { autonomous_system_number?: number };
  autonomous_system_number?: number;
}

/**
 * One GeoInfo from the location record and the ASN record of the same address (either
 * may be null). The ASN database's number wins over one the location database carries
 * (Enterprise and ISP databases have `traits.autonomous_system_number`).
 */
export function geoInfoFromRecords(location: MmdbRecord | null, asn: MmdbRecord | null): GeoInfo {
  const info = unknownGeo();
  if (location !== null) {
    info.country = text(location.country?.iso_code);
    info.continent = text(location.continent?.code);
    info.region = text(location.subdivisions?.[0]?.iso_code);
    info.city = text(location.city?.names?.en);
    info.latitude = finite(location.location?.latitude);
    info.longitude = finite(location.location?.longitude);
    info.timezone = text(location.location?.time_zone);
    info.asn = asnOf(location);
  }
  if (asn !== null) info.asn = asnOf(asn) ?? info.asn;
  return info;
}

function asnOf(record: MmdbRecord): number | null {
  const value = record.autonomous_system_number ?? record.traits?.autonomous_system_number;
  return Number.isSafeInteger(value) && (value as number) >= 0 ? (value as number) : null;
}

// The database is trusted, but not to be well-formed: a field of the wrong type is unknown.
function text(value: unknown): string | null {
  return typeof value === "string" && value !== "" ? value : null;
}

function finite(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}
