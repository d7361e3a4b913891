/**
 * Hop-by-hop header fields (RFC 9110 section 7.6.1, and the obsolete ones still seen), plus
 * `host` (the next hop sets its own) and `expect` (a server already answered the
 * 100-continue): never passed on by a proxy, in either direction.
 */
export const HOP_BY_HOP_HEADERS: ReadonlySet<string> = new Set([
  "connection",
  "expect",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "host",
]);
