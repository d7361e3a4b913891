/**
 * The host half of `crypto.subtle` (https://w3c.github.io/webcrypto/#subtlecrypto-interface)
 * on Node's webcrypto. Keys never leave the host: the guest holds an opaque handle into
 * this instance's table, which no other instance can resolve (handles are random, tables
 * are per instance). Key material crosses back only through exportKey/wrapKey, which Node
 * refuses for a key made with extractable=false. Every argument is rebuilt from checked
 * fields; limits keep one call from holding a libuv thread for long.
 */
import { randomInt, webcrypto } from "node:crypto";
import { HostCallError } from "./host-calls.ts";
import { readAlgorithm, readBytes, readJwk, fail, MAX_DATA_BYTES } from "./subtle-args.ts";

type CryptoKey = webcrypto.CryptoKey;
type KeyFormat = "raw" | "jwk" | "spki" | "pkcs8";
type KeyUsage = webcrypto.KeyUsage;

const subtle = webcrypto.subtle;
const MAX_KEYS = 10_000;
const FORMATS = new Set<string>(["raw", "jwk", "spki", "pkcs8"]);
const USAGES = new Set<string>([
  "encrypt",
  "decrypt",
  "sign",
  "verify",
  "deriveKey",
  "deriveBits",
  "wrapKey",
  "unwrapKey",
]);

/** A CryptoKey as the guest sees it: public attributes and the handle. */
export interface KeyDescriptor {
  handle: number;
  type: string;
  extractable: boolean;
  algorithm: Record<string, unknown>;
  usages: string[];
}

type Args = Record<string, unknown>;

export class HostCrypto {
  readonly #keys = new Map<number, CryptoKey>();

  /** The guest dropped its CryptoKey (FinalizationRegistry): forget the key. */
  release(handle: number): void {
    this.#keys.delete(handle);
  }

  get size(): number {
    return this.#keys.size;
  }

  readonly operations = {
    "subtle.digest": (raw: unknown) =>
      this.#run(raw, (a) => subtle.digest(readAlgorithm(a.algorithm, this.#key), readBytes(a.data, "data"))),
    "subtle.generateKey": (raw: unknown) =>
      this.#run(raw, async (a) => {
        const made = await subtle.generateKey(
          readAlgorithm(a.algorithm, this.#key) as unknown as webcrypto.RsaHashedKeyGenParams,
          readBoolean(a.extractable),
          readUsages(a.usages),
        );
        if ("privateKey" in made)
          return { publicKey: this.#store(made.publicKey), privateKey: this.#store(made.privateKey) };
        return this.#store(made);
      }),
    "subtle.importKey": (raw: unknown) =>
      this.#run(raw, async (a) => {
        const format = readFormat(a.format);
        const algorithm = readAlgorithm(a.algorithm, this.#key);
        const extractable = readBoolean(a.extractable);
        const usages = readUsages(a.usages);
        const key =
          format === "jwk"
            ? await subtle.importKey("jwk", readJwk(a.keyData), algorithm, extractable, usages)
            : await subtle.importKey(format, readBytes(a.keyData, "keyData"), algorithm, extractable, usages);
        return this.#store(key);
      }),
    "subtle.exportKey": (raw: unknown) =>
      this.#run(raw, async (a) => {
        const format = readFormat(a.format);
        const key = this.#key(a.key);
        return format === "jwk" ? subtle.exportKey(format, key) : subtle.exportKey(format, key);
      }),
    "subtle.sign": (raw: unknown) =>
      this.#run(raw, (a) =>
        subtle.sign(readAlgorithm(a.algorithm, this.#key), this.#key(a.key), readBytes(a.data, "data")),
      ),
    "subtle.verify": (raw: unknown) =>
      this.#run(raw, (a) =>
        subtle.verify(
          readAlgorithm(a.algorithm, this.#key),
          this.#key(a.key),
          readBytes(a.signature, "signature"),
          readBytes(a.data, "data"),
        ),
      ),
    "subtle.encrypt": (raw: unknown) =>
      this.#run(raw, (a) =>
        subtle.encrypt(readAlgorithm(a.algorithm, this.#key), this.#key(a.key), readBytes(a.data, "data")),
      ),
    "subtle.decrypt": (raw: unknown) =>
      this.#run(raw, (a) =>
        subtle.decrypt(readAlgorithm(a.algorithm, this.#key), this.#key(a.key), readBytes(a.data, "data")),
      ),
    "subtle.deriveBits": (raw: unknown) =>
      this.#run(raw, (a) => {
        const length = a.length === null ? null : readLength(a.length);
        return subtle.deriveBits(readAlgorithm(a.algorithm, this.#key), this.#key(a.key), length as number);
      }),
    "subtle.deriveKey": (raw: unknown) =>
      this.#run(raw, async (a) =>
        this.#store(
          await subtle.deriveKey(
            readAlgorithm(a.algorithm, this.#key),
            this.#key(a.key),
            readAlgorithm(a.derivedKeyType, this.#key),
            readBoolean(a.extractable),
            readUsages(a.usages),
          ),
        ),
      ),
    "subtle.wrapKey": (raw: unknown) =>
      this.#run(raw, (a) =>
        subtle.wrapKey(
          readFormat(a.format),
          this.#key(a.key),
          this.#key(a.wrappingKey),
          readAlgorithm(a.algorithm, this.#key),
        ),
      ),
    "subtle.unwrapKey": (raw: unknown) =>
      this.#run(raw, async (a) =>
        this.#store(
          await subtle.unwrapKey(
            readFormat(a.format),
            readBytes(a.wrappedKey, "wrappedKey"),
            this.#key(a.unwrappingKey),
            readAlgorithm(a.algorithm, this.#key),
            readAlgorithm(a.unwrappedKeyAlgorithm, this.#key),
            readBoolean(a.extractable),
            readUsages(a.usages),
          ),
        ),
      ),
  };

  async #run(raw: unknown, work: (args: Args) => Promise<unknown>): Promise<unknown> {
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) fail("crypto.subtle: bad arguments");
    const result = await work(raw as Args);
    return result instanceof ArrayBuffer ? new Uint8Array(result) : result;
  }

  readonly #key = (handle: unknown): CryptoKey => {
    const key = typeof handle === "number" ? this.#keys.get(handle) : undefined;
    if (key === undefined) throw new HostCallError("TypeError", "crypto.subtle: not a CryptoKey of this function");
    return key;
  };

  #store(key: CryptoKey): KeyDescriptor {
    if (this.#keys.size >= MAX_KEYS) {
      throw new HostCallError("QuotaExceededError", `crypto.subtle: more than ${MAX_KEYS} live keys`);
    }
    let handle = randomInt(1, 2 ** 47);
    while (this.#keys.has(handle)) handle = randomInt(1, 2 ** 47);
    this.#keys.set(handle, key);
    return {
      handle,
      type: key.type,
      extractable: key.extractable,
      algorithm: plainAlgorithm(key.algorithm as unknown as Record<string, unknown>),
      usages: [...key.usages],
    };
  }
}

/** The key's algorithm dictionary as plain data (Node's has a Uint8Array publicExponent). */
function plainAlgorithm(algorithm: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(algorithm)) {
    if (typeof value === "string" || typeof value === "number") out[name] = value;
    else if (value instanceof Uint8Array) out[name] = new Uint8Array(value);
    else if (typeof value === "object" && value !== null && typeof (value as { name?: unknown }).name === "string") {
      out[name] = { name: (value as { name: string }).name };
    }
  }
  return out;
}

function readFormat(value: unknown): KeyFormat {
  if (typeof value !== "string" || !FORMATS.has(value)) fail("crypto.subtle: format must be raw, jwk, spki or pkcs8");
  return value as KeyFormat;
}

function readBoolean(value: unknown): boolean {
  if (typeof value !== "boolean") fail("crypto.subtle: extractable must be a boolean");
  return value;
}

function readUsages(value: unknown): KeyUsage[] {
  if (!Array.isArray(value) || value.length > USAGES.size) fail("crypto.subtle: keyUsages must be an array");
  for (const usage of value) if (typeof usage !== "string" || !USAGES.has(usage)) fail(`crypto.subtle: bad usage`);
  return value as KeyUsage[];
}

function readLength(value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > MAX_DATA_BYTES * 8) {
    fail("crypto.subtle: length must be a non-negative integer");
  }
  return value;
}
