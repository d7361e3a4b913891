/**
 * `TextEncoder` and `TextDecoder` (https://encoding.spec.whatwg.org/), UTF-8 only, with
 * what libraries rely on and the polyfill lacks: `fatal`, `ignoreBOM`, `{ stream: true }`
 * and `encodeInto()`. The decoder is the spec's UTF-8 decoder (section 9.1.1), so invalid
 * input becomes U+FFFD exactly where a browser would put it.
 */
const REPLACEMENT = 0xfffd;
const UTF8_LABELS = ["utf-8", "utf8", "unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "x-unicode20utf8"];

export class TextEncoder {
  get encoding(): string {
    return "utf-8";
  }

  encode(input = ""): Uint8Array {
    const text = String(input);
    const out = new Uint8Array(text.length * 3);
    return out.slice(0, this.#write(text, out).written);
  }

  encodeInto(input: string, destination: Uint8Array): { read: number; written: number } {
    return this.#write(String(input), destination);
  }

  #write(text: string, out: Uint8Array): { read: number; written: number } {
    let read = 0;
    let written = 0;
    while (read < text.length) {
      let code = text.codePointAt(read) as number;
      const units = code > 0xffff ? 2 : 1;
      if (code >= 0xd800 && code <= 0xdfff) code = REPLACEMENT; // a lone surrogate
      const size = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
      if (written + size > out.length) break;
      if (size === 1) out[written++] = code;
      else {
        out[written++] = (size === 2 ? 0xc0 : size === 3 ? 0xe0 : 0xf0) | (code >> (6 * (size - 1)));
        for (let shift = 6 * (size - 2); shift >= 0; shift -= 6) out[written++] = 0x80 | ((code >> shift) & 0x3f);
      }
      read += units;
    }
    return { read, written };
  }

  get [Symbol.toStringTag](): string {
    return "TextEncoder";
  }
}

function bytesOf(input: unknown): Uint8Array {
  if (input === undefined) return new Uint8Array(0);
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  throw new TypeError("TextDecoder.decode: the input must be an ArrayBuffer or ArrayBufferView");
}

export class TextDecoder {
  readonly #fatal: boolean;
  readonly #ignoreBOM: boolean;
  #codePoint = 0;
  #needed = 0;
  #seen = 0;
  #lower = 0x80;
  #upper = 0xbf;
  #bomChecked = false;

  constructor(label = "utf-8", options: { fatal?: boolean; ignoreBOM?: boolean } = {}) {
    if (!UTF8_LABELS.includes(String(label).trim().toLowerCase())) {
      throw new RangeError(`TextDecoder: the encoding "${label}" is not supported (only utf-8)`);
    }
    this.#fatal = Boolean(options?.fatal);
    this.#ignoreBOM = Boolean(options?.ignoreBOM);
  }

  get encoding(): string {
    return "utf-8";
  }

  get fatal(): boolean {
    return this.#fatal;
  }

  get ignoreBOM(): boolean {
    return this.#ignoreBOM;
  }

  decode(input?: ArrayBuffer | ArrayBufferView, options: { stream?: boolean } = {}): string {
    const bytes = bytesOf(input);
    const units: number[] = [];
    const parts: string[] = [];
    const emit = (code: number) => {
      if (!this.#bomChecked) {
        this.#bomChecked = true;
        if (code === 0xfeff && !this.#ignoreBOM) return;
      }
      if (code > 0xffff) units.push(0xd800 + ((code - 0x10000) >> 10), 0xdc00 + ((code - 0x10000) & 0x3ff));
      else units.push(code);
      if (units.length >= 8192) parts.push(String.fromCharCode(...units.splice(0)));
    };
    for (let i = 0; i < bytes.length; i++) {
      if (this.#needed === 0 && this.#bomChecked && bytes[i] < 0x80) {
        // A run of ASCII, the common case, without the state machine.
        let end = i;
        while (end < bytes.length && bytes[end] < 0x80 && end - i < 8192) end++;
        parts.push(String.fromCharCode(...units.splice(0)), String.fromCharCode(...bytes.subarray(i, end)));
        i = end - 1;
        continue;
      }
      const result = this.#step(bytes[i]);
      if (result === "again") i--;
      if (result === "error" || result === "again") emit(this.#failure());
      else if (result !== null) emit(result);
    }
    if (options?.stream !== true) {
      if (this.#needed !== 0) {
        this.#reset();
        emit(this.#failure());
      }
      this.#bomChecked = false;
    }
    parts.push(String.fromCharCode(...units));
    return parts.join("");
  }

  /** One byte of https://encoding.spec.whatwg.org/#utf-8-decoder: a code point, nothing yet, or an error. */
  #step(byte: number): number | null | "error" | "again" {
    if (this.#needed === 0) {
      if (byte <= 0x7f) return byte;
      if (byte >= 0xc2 && byte <= 0xdf) [this.#needed, this.#codePoint] = [1, byte & 0x1f];
      else if (byte >= 0xe0 && byte <= 0xef) {
        if (byte === 0xe0) this.#lower = 0xa0;
        if (byte === 0xed) this.#upper = 0x9f;
        [this.#needed, this.#codePoint] = [2, byte & 0xf];
      } else if (byte >= 0xf0 && byte <= 0xf4) {
        if (byte === 0xf0) this.#lower = 0x90;
        if (byte === 0xf4) this.#upper = 0x8f;
        [this.#needed, this.#codePoint] = [3, byte & 0x7];
      } else return "error";
      return null;
    }
    if (byte < this.#lower || byte > this.#upper) {
      this.#reset();
      return "again"; // the byte starts over as the first of a new sequence
    }
    this.#lower = 0x80;
    this.#upper = 0xbf;
    this.#codePoint = (this.#codePoint << 6) | (byte & 0x3f);
    if (++this.#seen < this.#needed) return null;
    const code = this.#codePoint;
    this.#reset();
    return code;
  }

  #reset(): void {
    this.#codePoint = this.#needed = this.#seen = 0;
    this.#lower = 0x80;
    this.#upper = 0xbf;
  }

  #failure(): number {
    if (this.#fatal) {
      this.#reset();
      this.#bomChecked = false;
      throw new TypeError("TextDecoder: the encoded data was not valid utf-8");
    }
    return REPLACEMENT;
  }

  get [Symbol.toStringTag](): string {
    return "TextDecoder";
  }
}
