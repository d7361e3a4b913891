/** What a failed outgoing request (undici, node:net) tells about how far it got. */

/** Failures that happen before any byte of the request left: safe to try elsewhere. */
export const NOT_CONNECTED = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);

/** The error's code (`ECONNREFUSED`, `UND_ERR_...`), on it or on its cause; "" when it has none. */
export function errorCode(err: unknown): string {
  const e = err as { code?: unknown; cause?: { code?: unknown } } | null;
  const code = e?.code ?? e?.cause?.code;
  return typeof code === "string" ? code : "";
}

/** The target never saw the request: refused, unresolvable, or the connection never came up in time. */
export function neverSent(code: string): boolean {
  return NOT_CONNECTED.has(code) || code === "UND_ERR_CONNECT_TIMEOUT";
}
