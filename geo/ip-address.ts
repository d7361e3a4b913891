/**
 * Parsing of the addresses the edge sees: a socket's peer (`::ffff:1.2.3.4` on a dual-stack
 * listener) and the entries of `x-forwarded-for` (`1.2.3.4:5678`, `[2001:db8::1]:443`,
 * `unknown`). ipaddr.js does the parsing and the CIDR arithmetic; this file only decides
 * which spellings count as an address.
 */
import ipaddr from "ipaddr.js";

export type IpAddress = ipaddr.IPv4 | ipaddr.IPv6;

/**
 * The address in `text`, or null when it is not one. IPv4-mapped IPv6 addresses become
 * IPv4, so `::ffff:81.2.69.142` and `81.2.69.142` are the same client everywhere (rules,
 * lookups, trusted proxies). A port (`1.2.3.4:80`, `[::1]:80`) and an IPv6 zone (`%eth0`)
 * are dropped. IPv4 must be four decimal parts: ipaddr.js alone would also read `123`
 * or `0x7f.1` as addresses, and `x-forwarded-for` junk must never turn into one.
 */
export function parseIpAddress(text: string): IpAddress | null {
  const candidate = stripPort(text.trim());
  if (candidate === null || candidate === "") return null;
  if (candidate.includes(":")) {
    if (!ipaddr.IPv6.isValid(candidate)) return null;
    const v6 = ipaddr.IPv6.parse(candidate);
    v6.zoneId = undefined;
    return v6.isIPv4MappedAddress() ? v6.toIPv4Address() : v6;
  }
  return ipaddr.IPv4.isValidFourPartDecimal(candidate) ? ipaddr.IPv4.parse(candidate) : null;
}

/** The canonical spelling: dotted quad for IPv4, RFC 5952 compressed form for IPv6. */
export function formatIpAddress(address: IpAddress): string {
  return address.kind() === "ipv6" ? (address as ipaddr.IPv6).toRFC5952String() : address.toString();
}

/** `text` as a canonical address string, or null when it is not an address. */
export function normalizeIpAddress(text: string): string | null {
  const address = parseIpAddress(text);
  return address === null ? null : formatIpAddress(address);
}

/** `[v6]:port` -> `v6`, `[v6]` -> `v6`, `v4:port` -> `v4`; anything else unchanged; null if malformed. */
function stripPort(text: string): string | null {
  if (text.startsWith("[")) {
    const end = text.indexOf("]");
    if (end < 0) return null;
    const rest = text.slice(end + 1);
    return rest === "" || (rest.startsWith(":") && isPort(rest.slice(1))) ? text.slice(1, end) : null;
  }
  const colon = text.indexOf(":");
  if (colon >= 0 && colon === text.lastIndexOf(":") && text.slice(0, colon).includes(".")) {
    return isPort(text.slice(colon + 1)) ? text.slice(0, colon) : null;
  }
  return text;
}

function isPort(text: string): boolean {
  return /^\d{1,5}$/.test(text) && Number(text) <= 65_535;
}
