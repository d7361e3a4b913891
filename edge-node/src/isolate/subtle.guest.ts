/**
 * `crypto.subtle` and `CryptoKey` (https://w3c.github.io/webcrypto/) inside the isolate.
 * The work happens on the host (host-crypto.ts); a CryptoKey here holds only an opaque
 * handle, kept out of reach of user code, and the key's public attributes. Arguments are
 * copied into plain data before they cross.
 */
import type { HostCalls } from "./host-calls.guest.ts";

type Algorithm = string | Record<string, unknown>;
type BufferSource = ArrayBuffer | ArrayBufferView;

interface KeyDescriptor {
  handle: number;
  type: string;
  extractable: boolean;
  algorithm: Record<string, unknown>;
  usages: string[];
}

const handles = new WeakMap<object, number>();
const internal = Symbol("CryptoKey");
const BYTE_FIELDS = ["iv", "counter", "additionalData", "salt", "info", "label", "publicExponent", "context"];

export class CryptoKey {
  declare readonly type: string;
  declare readonly extractable: boolean;
  declare readonly algorithm: Readonly<Record<string, unknown>>;
  declare readonly usages: readonly string[];

  constructor(token?: unknown, descriptor?: KeyDescriptor) {
    if (token !== internal || descriptor === undefined) throw new TypeError("Illegal constructor");
    const { type, extractable, algorithm, usages } = descriptor;
    const readOnly = (value: unknown) => ({ value, enumerable: true });
    Object.defineProperties(this, {
      type: readOnly(type),
      extractable: readOnly(extractable),
      algorithm: readOnly(Object.freeze(algorithm)),
      usages: readOnly(Object.freeze([...usages])),
    });
    handles.set(this, descriptor.handle);
  }

  get [Symbol.toStringTag](): string {
    return "CryptoKey";
  }
}

function bytes(value: unknown, what: string): Uint8Array {
  if (value instanceof ArrayBuffer) return new Uint8Array(value.slice(0));
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength).slice();
  throw new TypeError(`${what} is not a BufferSource`);
}

function handleOf(key: unknown, what = "key"): number {
  const handle = typeof key === "object" && key !== null ? handles.get(key) : undefined;
  if (handle === undefined) throw new TypeError(`${what} is not a CryptoKey`);
  return handle;
}

/** A plain copy of an algorithm dictionary: buffers as bytes, `public` (ECDH) as a handle. */
function algorithm(value: unknown): Algorithm {
  if (typeof value === "string") return value;
  if (typeof value !== "object" || value === null) throw new TypeError("Algorithm: not an object or a string");
  const given = value as Record<string, unknown>;
  const out: Record<string, unknown> = { name: String(given.name) };
  for (const [field, item] of Object.entries(given)) {
    if (field === "name" || item === undefined) continue;
    if (field === "public") out.public = handleOf(item, "algorithm.public");
    else if (field === "hash") out.hash = typeof item === "string" ? item : String((item as { name?: unknown }).name);
    else if (BYTE_FIELDS.includes(field)) out[field] = bytes(item, `algorithm.${field}`);
    else if (typeof item === "string" || typeof item === "number") out[field] = item;
  }
  return out;
}

function usages(value: unknown): string[] {
  if (value === null || typeof value !== "object" || !(Symbol.iterator in value)) {
    throw new TypeError("keyUsages is not a sequence");
  }
  return Array.from(value as Iterable<unknown>, String);
}

/** JWKs are data; a structured copy keeps only what can cross, and the host checks fields. */
function keyData(format: string, data: unknown): unknown {
  if (format !== "jwk") return bytes(data, "keyData");
  if (typeof data !== "object" || data === null) throw new TypeError("keyData is not a JsonWebKey");
  return structuredClone(data);
}

const buffer = (value: unknown) => (value as Uint8Array).slice().buffer;

function makeKey(descriptor: unknown): CryptoKey {
  return new CryptoKey(internal, descriptor as KeyDescriptor);
}

function makeKeyOrPair(value: unknown): CryptoKey | { publicKey: CryptoKey; privateKey: CryptoKey } {
  const pair = value as { publicKey?: unknown; privateKey?: unknown };
  if (pair.publicKey !== undefined && pair.privateKey !== undefined) {
    return { publicKey: makeKey(pair.publicKey), privateKey: makeKey(pair.privateKey) };
  }
  return makeKey(value);
}

export function createSubtle(host: HostCalls, onKey: (key: CryptoKey, handle: number) => void) {
  /** Tells the runtime about new keys (it forgets them on the host once unreachable). */
  const tracked = <T>(made: T): T => {
    const keys = made instanceof CryptoKey ? [made] : (Object.values(made as object) as CryptoKey[]);
    for (const key of keys) onKey(key, handles.get(key) as number);
    return made;
  };
  // Each method checks and copies its arguments synchronously, so bad input rejects at once.
  const call = (op: string, args: () => Record<string, unknown>) => {
    try {
      return host.run(`subtle.${op}`, args());
    } catch (error) {
      return Promise.reject(error);
    }
  };

  class SubtleCrypto {
    constructor(token?: unknown) {
      if (token !== internal) throw new TypeError("Illegal constructor");
    }
    async digest(alg: Algorithm, data: BufferSource): Promise<ArrayBuffer> {
      return buffer(await call("digest", () => ({ algorithm: algorithm(alg), data: bytes(data, "data") })));
    }
    async generateKey(alg: Algorithm, extractable: boolean, keyUsages: Iterable<string>) {
      const made = await call("generateKey", () => ({
        algorithm: algorithm(alg),
        extractable: Boolean(extractable),
        usages: usages(keyUsages),
      }));
      return tracked(makeKeyOrPair(made));
    }
    async importKey(format: string, data: unknown, alg: Algorithm, extractable: boolean, keyUsages: Iterable<string>) {
      const made = await call("importKey", () => ({
        format: String(format),
        keyData: keyData(String(format), data),
        algorithm: algorithm(alg),
        extractable: Boolean(extractable),
        usages: usages(keyUsages),
      }));
      return tracked(makeKey(made));
    }
    async exportKey(format: string, key: CryptoKey): Promise<ArrayBuffer | Record<string, unknown>> {
      const exported = await call("exportKey", () => ({ format: String(format), key: handleOf(key) }));
      return exported instanceof Uint8Array ? buffer(exported) : (exported as Record<string, unknown>);
    }
    async sign(alg: Algorithm, key: CryptoKey, data: BufferSource): Promise<ArrayBuffer> {
      return buffer(
        await call("sign", () => ({ algorithm: algorithm(alg), key: handleOf(key), data: bytes(data, "data") })),
      );
    }
    async verify(alg: Algorithm, key: CryptoKey, signature: BufferSource, data: BufferSource): Promise<boolean> {
      const args = () => ({
        algorithm: algorithm(alg),
        key: handleOf(key),
        signature: bytes(signature, "signature"),
        data: bytes(data, "data"),
      });
      return (await call("verify", args)) === true;
    }
    async encrypt(alg: Algorithm, key: CryptoKey, data: BufferSource): Promise<ArrayBuffer> {
      return buffer(
        await call("encrypt", () => ({ algorithm: algorithm(alg), key: handleOf(key), data: bytes(data, "data") })),
      );
    }
    async decrypt(alg: Algorithm, key: CryptoKey, data: BufferSource): Promise<ArrayBuffer> {
      return buffer(
        await call("decrypt", () => ({ algorithm: algorithm(alg), key: handleOf(key), data: bytes(data, "data") })),
      );
    }
    async deriveBits(alg: Algorithm, key: CryptoKey, length?: number | null): Promise<ArrayBuffer> {
      const args = () => ({ algorithm: algorithm(alg), key: handleOf(key), length: length ?? null });
      return buffer(await call("deriveBits", args));
    }
    async deriveKey(
      alg: Algorithm,
      key: CryptoKey,
      derived: Algorithm,
      extractable: boolean,
      keyUsages: Iterable<string>,
    ): Promise<CryptoKey> {
      const made = await call("deriveKey", () => ({
        algorithm: algorithm(alg),
        key: handleOf(key),
        derivedKeyType: algorithm(derived),
        extractable: Boolean(extractable),
        usages: usages(keyUsages),
      }));
      return tracked(makeKey(made));
    }
    async wrapKey(format: string, key: CryptoKey, wrappingKey: CryptoKey, alg: Algorithm): Promise<ArrayBuffer> {
      const args = () => ({
        format: String(format),
        key: handleOf(key),
        wrappingKey: handleOf(wrappingKey, "wrappingKey"),
        algorithm: algorithm(alg),
      });
      return buffer(await call("wrapKey", args));
    }
    async unwrapKey(
      format: string,
      wrapped: BufferSource,
      unwrappingKey: CryptoKey,
      alg: Algorithm,
      unwrappedAlg: Algorithm,
      extractable: boolean,
      keyUsages: Iterable<string>,
    ): Promise<CryptoKey> {
      const made = await call("unwrapKey", () => ({
        format: String(format),
        wrappedKey: bytes(wrapped, "wrappedKey"),
        unwrappingKey: handleOf(unwrappingKey, "unwrappingKey"),
        algorithm: algorithm(alg),
        unwrappedKeyAlgorithm: algorithm(unwrappedAlg),
        extractable: Boolean(extractable),
        usages: usages(keyUsages),
      }));
      return tracked(makeKey(made));
    }
    get [Symbol.toStringTag](): string {
      return "SubtleCrypto";
    }
  }

  return { SubtleCrypto, subtle: new SubtleCrypto(internal) };
}
