/**
 * The geo request headers the edge sets for the handler (contract section 5).
 */
import type { GeoInfo } from "./geo-info.ts";

/** Header name for each GeoInfo field that has one, in the contract's order. */
export const GEO_HEADERS = {
  country: "x-bunbase-country",
  region: "x-bunbase-region",
  city: "x-bunbase-city",
  latitude: "x-bunbase-latitude",
  longitude: "x-bunbase-longitude",
  asn: "x-bunbase-asn",
} as const satisfies Partial<Record<keyof GeoInfo, string>>;

/**
 * Every geo header name. The edge must delete these from the incoming request before
 * setting its own: a client must not be able to claim a country by sending one.
 */
export const GEO_HEADER_NAMES: readonly string[] = Object.values(GEO_HEADERS);

/**
 * The geo headers for `info`: one per known field, none for an unknown one (so a missing
 * header means "unknown", never an empty or `null` string). Values are valid header
 * values (RFC 9110 section 5.5): non-ASCII characters, controls and `%` itself are
 * percent-encoded as UTF-8, so `Linköping` is sent as `Link%C3%B6ping` and
 * `decodeURIComponent` gives back the name; plain ASCII such as `San Diego` is unchanged.
 */
export function geoHeaders(info: GeoInfo | null): Record<string, string> {
  const headers: Record<string, string> = {};
  if (info === null) return headers;
  for (const [field, name] of Object.entries(GEO_HEADERS) as [keyof typeof GEO_HEADERS, string][]) {
    const value = info[field];
    if (value === null || value === undefined) continue;
    const encoded = headerValue(String(value));
    if (encoded !== "") headers[name] = encoded;
  }
  return headers;
}

/** Visible ASCII and inner spaces stay; everything else becomes `%XX` UTF-8 bytes. */
export function headerValue(value: string): string {
  let out = "";
  for (const char of value.trim()) {
    const code = char.codePointAt(0) as number;
    const plain = code >= 0x20 && code < 0x7f && char !== "%";
    out += plain ? char : encodeChar(char);
  }
  return out;
}

function encodeChar(char: string): string {
  // A lone surrogate cannot be encoded as UTF-8; U+FFFD stands in for it, as in TextEncoder.
  const lone = char.length === 1 && /[\uD800-\uDFFF]/.test(char);
  return encodeURIComponent(lone ? "\uFFFD" : char);
}
