/**
 * API keys for `auth({ type: "apiKey" })`, as edge-node/src/rules/auth.ts checks them: the
 * header must hold one of the keys, compared in constant time (SHA-256 digests of both
 * sides, every key compared), and `ctx.auth` says which key matched, never the key.
 */
import { unauthorized, type AuthOutcome } from "./error-response.guest.ts";

/** Digests of the configured keys, made on first use (crypto.subtle is a host call). */
const digests = new Map<string, Promise<Uint8Array>>();

function sha256(value: string): Promise<Uint8Array> {
  return crypto.subtle.digest("SHA-256", new TextEncoder().encode(value)).then((d) => new Uint8Array(d));
}

function digestOf(key: string): Promise<Uint8Array> {
  let digest = digests.get(key);
  if (digest === undefined) {
    digest = sha256(key);
    if (digests.size < 1000) digests.set(key, digest);
  }
  return digest;
}

export async function verifyApiKey(
  given: string | null,
  keys: string[],
  header: string,
  realm: string,
): Promise<AuthOutcome> {
  const challenge = `ApiKey realm="${realm}", header="${header}"`;
  if (!given) return unauthorized(`Missing API key: send ${header}`, challenge);
  const digest = await sha256(given);
  // An unresolved `${env.X}` arrives as "": it must not become a key that matches an empty header.
  const known = await Promise.all(keys.map((key) => (key.length > 0 ? digestOf(key) : null)));
  let found = -1;
  // Every key is compared, so the time taken says nothing about which one (or whether one) matched.
  known.forEach((key, i) => {
    if (key !== null && sameBytes(key, digest) && found === -1) found = i;
  });
  if (found === -1) return unauthorized("Invalid API key", challenge);
  return { ok: true, claims: { type: "apiKey", keyIndex: found } };
}

/** Constant time for two SHA-256 digests (32 bytes each). */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i % b.length];
  return diff === 0;
}
