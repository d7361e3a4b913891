// Public face of geo/ (issue 5, edge features): GeoIP lookups, the geo request headers,
// the client address behind trusted proxies, and `edge.geo` rule matching.
export { GeoDatabase, GEOIP_ASN_DB_ENV, GEOIP_DB_ENV } from "./geo-database.ts";
export type { GeoDatabaseFile, GeoDatabaseOptions } from "./geo-database.ts";
export type { GeoLog, ReloadResult } from "./watched-mmdb.ts";
export { geoInfoFromRecords, unknownGeo } from "./geo-info.ts";
export type { GeoInfo, MmdbRecord } from "./geo-info.ts";
export { GEO_HEADER_NAMES, GEO_HEADERS, geoHeaders, headerValue } from "./geo-headers.ts";
export { clientAddress, TRUSTED_PROXIES_ENV, TrustedProxies } from "./trusted-proxies.ts";
export { formatIpAddress, normalizeIpAddress, parseIpAddress } from "./ip-address.ts";
export type { IpAddress } from "./ip-address.ts";
export { matchGeoRule } from "./geo-rules.ts";
export type { GeoRule } from "./geo-rules.ts";
