/**
 * Checks and rebuilds the arguments a guest passes to crypto.subtle: algorithm dictionaries
 * (https://w3c.github.io/webcrypto/#algorithm-dictionary), byte buffers and JWKs
 * (RFC 7517). Only known fields of known types survive; sizes and costs are bounded.
 */
import type { webcrypto } from "node:crypto";
import { HostCallError } from "./host-calls.ts";

export const MAX_DATA_BYTES = 10 * 1024 * 1024;
const MAX_PARAM_BYTES = 64 * 1024;
const MAX_JWK_FIELD = 64 * 1024;
/** As in Cloudflare Workers: more would hold a thread pool thread for seconds. */
export const MAX_PBKDF2_ITERATIONS = 100_000;
const MAX_MODULUS_BITS = 4096;

const BYTE_FIELDS = ["iv", "counter", "additionalData", "salt", "info", "label", "publicExponent", "context"];
const NUMBER_FIELDS = ["length", "modulusLength", "saltLength", "tagLength", "iterations"];
const JWK_STRINGS = ["kty", "use", "alg", "crv", "x", "y", "d", "n", "e", "p", "q", "dp", "dq", "qi", "k"];

export function fail(message: string): never {
  throw new HostCallError("TypeError", message);
}

export function readBytes(value: unknown, what: string, max = MAX_DATA_BYTES): Uint8Array {
  if (!(value instanceof Uint8Array)) fail(`crypto.subtle: ${what} must be a BufferSource`);
  if (value.byteLength > max) fail(`crypto.subtle: ${what} exceeds ${max} bytes`);
  return value;
}

function readName(value: unknown, what: string): string {
  if (typeof value !== "string" || value.length === 0 || value.length > 64) fail(`crypto.subtle: bad ${what}`);
  return value;
}

type Algorithm = webcrypto.AlgorithmIdentifier & Record<string, unknown>;

/** A string name, or a dictionary rebuilt from its known fields; `public` (ECDH) names a key handle. */
export function readAlgorithm(value: unknown, key: (handle: unknown) => webcrypto.CryptoKey): Algorithm {
  if (typeof value === "string") return readName(value, "algorithm name") as Algorithm;
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail("crypto.subtle: bad algorithm");
  const given = value as Record<string, unknown>;
  const out: Record<string, unknown> = { name: readName(given.name, "algorithm name") };
  if (given.hash !== undefined) {
    const hash =
      typeof given.hash === "object" && given.hash !== null ? (given.hash as { name?: unknown }).name : given.hash;
    out.hash = readName(hash, "hash");
  }
  if (given.namedCurve !== undefined) out.namedCurve = readName(given.namedCurve, "namedCurve");
  for (const field of BYTE_FIELDS) {
    if (given[field] !== undefined) out[field] = readBytes(given[field], field, MAX_PARAM_BYTES);
  }
  for (const field of NUMBER_FIELDS) {
    const number = given[field];
    if (number === undefined) continue;
    if (typeof number !== "number" || !Number.isInteger(number) || number < 0 || number > 2 ** 32) {
      fail(`crypto.subtle: ${field} must be a non-negative integer`);
    }
    out[field] = number;
  }
  if (typeof out.iterations === "number" && out.iterations > MAX_PBKDF2_ITERATIONS) {
    throw new HostCallError("NotSupportedError", `PBKDF2 iterations above ${MAX_PBKDF2_ITERATIONS} are not supported`);
  }
  if (typeof out.modulusLength === "number" && out.modulusLength > MAX_MODULUS_BITS) {
    throw new HostCallError("NotSupportedError", `RSA moduli above ${MAX_MODULUS_BITS} bits are not supported`);
  }
  if (given.public !== undefined) out.public = key(given.public);
  return out as Algorithm;
}

export function readJwk(value: unknown): webcrypto.JsonWebKey {
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail("crypto.subtle: keyData must be a JWK");
  const given = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const field of JWK_STRINGS) {
    const text = given[field];
    if (text === undefined) continue;
    if (typeof text !== "string" || text.length > MAX_JWK_FIELD) fail(`crypto.subtle: JWK ${field} must be a string`);
    out[field] = text;
  }
  if (given.ext !== undefined) {
    if (typeof given.ext !== "boolean") fail("crypto.subtle: JWK ext must be a boolean");
    out.ext = given.ext;
  }
  if (given.key_ops !== undefined) {
    const ops = given.key_ops;
    if (!Array.isArray(ops) || ops.length > 8 || ops.some((op) => typeof op !== "string" || op.length > 16)) {
      fail("crypto.subtle: JWK key_ops must be a list of usages");
    }
    out.key_ops = [...ops];
  }
  if (given.oth !== undefined)
    throw new HostCallError("NotSupportedError", "JWK oth (multi-prime RSA) is not supported");
  return out as webcrypto.JsonWebKey;
}
