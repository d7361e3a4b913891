/**
 * The `crypto` global (https://w3c.github.io/webcrypto/#Crypto-interface): random bytes
 * come from the host's CSPRNG, at most 65536 per call as the spec says; `subtle` is
 * subtle.guest.ts.
 */
export type RandomBytes = (length: number) => Uint8Array;

const MAX_RANDOM_BYTES = 65536;
const INTEGER_ARRAYS = [
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  BigInt64Array,
  BigUint64Array,
];

export function createCrypto(randomBytes: RandomBytes, subtle: object) {
  function getRandomValues<T extends ArrayBufferView>(array: T): T {
    if (!INTEGER_ARRAYS.some((type) => array instanceof type)) {
      throw new DOMException("The data argument must be an integer-type TypedArray", "TypeMismatchError");
    }
    if (array.byteLength > MAX_RANDOM_BYTES) {
      throw new DOMException(
        `The ArrayBufferView's byte length (${array.byteLength}) exceeds the number of bytes of entropy available via this API (${MAX_RANDOM_BYTES})`,
        "QuotaExceededError",
      );
    }
    const bytes = randomBytes(array.byteLength);
    if (!(bytes instanceof Uint8Array) || bytes.byteLength !== array.byteLength) {
      throw new DOMException("random source failed", "OperationError");
    }
    new Uint8Array(array.buffer, array.byteOffset, array.byteLength).set(bytes);
    return array;
  }

  /** RFC 9562 section 5.4: version 4, variant 10xx. */
  function randomUUID(): string {
    const bytes = getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  const crypto = { getRandomValues, randomUUID, subtle };
  Object.defineProperty(crypto, Symbol.toStringTag, { value: "Crypto" });
  return Object.freeze(crypto);
}
