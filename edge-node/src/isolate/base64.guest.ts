/**
 * `atob` and `btoa` as the HTML spec defines them (forgiving-base64 decode: ASCII
 * whitespace ignored, padding optional, anything else an `InvalidCharacterError`;
 * encode refuses code points above U+00FF). Written here rather than taken from core-js,
 * whose version cost ~6 ms of polyfill evaluation per new isolate.
 */
import { DOMException } from "./dom-exception.guest.ts";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const VALUES = new Map([...ALPHABET].map((char, index) => [char, index]));
const WHITESPACE = /[\t\n\f\r ]/g;

function invalid(message: string): DOMException {
  return new DOMException(message, "InvalidCharacterError");
}

export function btoa(data: unknown): string {
  if (arguments.length === 0) throw new TypeError("btoa requires 1 argument");
  const text = String(data);
  let out = "";
  for (let i = 0; i < text.length; i += 3) {
    const a = byteAt(text, i);
    const b = i + 1 < text.length ? byteAt(text, i + 1) : -1;
    const c = i + 2 < text.length ? byteAt(text, i + 2) : -1;
    out += ALPHABET[a >> 2];
    out += ALPHABET[((a & 3) << 4) | (b < 0 ? 0 : b >> 4)];
    out += b < 0 ? "=" : ALPHABET[((b & 15) << 2) | (c < 0 ? 0 : c >> 6)];
    out += c < 0 ? "=" : ALPHABET[c & 63];
  }
  return out;
}

function byteAt(text: string, index: number): number {
  const code = text.charCodeAt(index);
  if (code > 0xff) throw invalid("btoa: the string contains characters outside of the Latin1 range");
  return code;
}

export function atob(data: unknown): string {
  if (arguments.length === 0) throw new TypeError("atob requires 1 argument");
  let text = String(data).replace(WHITESPACE, "");
  if (text.length % 4 === 0 && text.endsWith("=")) text = text.slice(0, text.endsWith("==") ? -2 : -1);
  if (text.length % 4 === 1) throw invalid("atob: the string is not correctly encoded");
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const char of text) {
    const value = VALUES.get(char);
    if (value === undefined) throw invalid("atob: the string is not correctly encoded");
    buffer = (buffer << 6) | value;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += String.fromCharCode((buffer >> bits) & 0xff);
    }
  }
  return out;
}
