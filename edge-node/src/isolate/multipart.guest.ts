/**
 * Form bodies: FormData to `multipart/form-data` (RFC 7578, with the escaping of
 * https://html.spec.whatwg.org/#multipart-form-data), and back from multipart or
 * `application/x-www-form-urlencoded` for `Request.formData()` / `Response.formData()`.
 */
import { Blob, File, blobBytes } from "./blob.guest.ts";
import { FormData } from "./form-data.guest.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const CRLF = encoder.encode("\r\n");
const HEADER_END = encoder.encode("\r\n\r\n");

/** A body for `new Response(x)` / `new Request(url, { body: x })` when x is a Blob or FormData. */
export function encodeFormBody(init: unknown): { bytes: Uint8Array; contentType: string | null } | null {
  if (init instanceof Blob) return { bytes: blobBytes(init).slice(), contentType: init.type === "" ? null : init.type };
  if (init instanceof FormData) return encodeMultipart(init);
  return null;
}

const escapeName = (name: string) =>
  name.replace(/\r\n?|\n/g, "\r\n").replace(/[\n\r"]/g, (c) => encodeURIComponent(c));

function encodeMultipart(form: FormData): { bytes: Uint8Array; contentType: string } {
  const random = Array.from({ length: 24 }, () => Math.floor(Math.random() * 36).toString(36)).join("");
  const boundary = `----BunbaseFormBoundary${random}`;
  const parts: Uint8Array[] = [];
  for (const [name, value] of form) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${escapeName(name)}"`;
    if (typeof value === "string") {
      parts.push(encoder.encode(`${head}\r\n\r\n${value.replace(/\r\n?|\n/g, "\r\n")}\r\n`));
      continue;
    }
    head += `; filename="${escapeName(value.name)}"\r\nContent-Type: ${value.type || "application/octet-stream"}\r\n\r\n`;
    parts.push(encoder.encode(head), blobBytes(value), CRLF);
  }
  parts.push(encoder.encode(`--${boundary}--\r\n`));
  return { bytes: concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

/** What `body.formData()` returns for `bytes` sent with `contentType`. */
export function parseFormBody(bytes: Uint8Array, contentType: string | null): FormData {
  const type = (contentType ?? "").split(";")[0].trim().toLowerCase();
  if (type === "application/x-www-form-urlencoded") {
    const form = new FormData();
    for (const [name, value] of new URLSearchParams(decoder.decode(bytes))) form.append(name, value);
    return form;
  }
  if (type === "multipart/form-data") {
    const boundary = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? "");
    if (boundary === null) throw new TypeError("formData: multipart/form-data without a boundary");
    return parseMultipart(bytes, boundary[1] ?? boundary[2]);
  }
  throw new TypeError(`formData: cannot parse a body of type "${type}"`);
}

function indexOf(haystack: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0];
  for (let i = haystack.indexOf(first, from); i !== -1 && i <= haystack.length - needle.length;) {
    let j = 1;
    while (j < needle.length && haystack[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
    i = haystack.indexOf(first, i + 1);
  }
  return -1;
}

function parseMultipart(bytes: Uint8Array, boundary: string): FormData {
  const form = new FormData();
  const delimiter = encoder.encode(`--${boundary}`);
  let at = indexOf(bytes, delimiter, 0);
  if (at === -1) throw new TypeError("formData: no multipart boundary in the body");
  for (;;) {
    at += delimiter.length;
    if (bytes[at] === 0x2d && bytes[at + 1] === 0x2d) return form; // "--": the closing delimiter
    const headStart = indexOf(bytes, CRLF, at) + 2;
    const headEnd = indexOf(bytes, HEADER_END, headStart - 2);
    const next = indexOf(bytes, delimiter, headEnd);
    if (headStart < 2 || headEnd === -1 || next === -1) throw new TypeError("formData: malformed multipart body");
    // The part's content ends with the CRLF that precedes the next delimiter.
    addPart(form, decoder.decode(bytes.subarray(headStart, headEnd)), bytes.subarray(headEnd + 4, next - 2));
    at = next;
  }
}

function addPart(form: FormData, head: string, content: Uint8Array): void {
  const headers = new Map<string, string>();
  for (const line of head.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const disposition = headers.get("content-disposition") ?? "";
  const name = param(disposition, "name");
  if (name === null) throw new TypeError("formData: a multipart part has no name");
  const filename = param(disposition, "filename");
  if (filename === null) return form.append(name, decoder.decode(content));
  const type = headers.get("content-type") ?? "application/octet-stream";
  form.append(name, new File([content.slice()], filename, { type }));
}

function param(header: string, key: string): string | null {
  const match = new RegExp(`;\\s*${key}="((?:[^"\\\\]|\\\\.)*)"|;\\s*${key}=([^;\\s]*)`, "i").exec(header);
  if (match === null) return null;
  const raw = match[1] ?? match[2];
  return raw.replace(/%22/g, '"').replace(/%0D/gi, "\r").replace(/%0A/gi, "\n").replace(/\\(.)/g, "$1");
}

/** `formData()` and `blob()` on Request and Response, reading the body once. */
export function defineFormReaders(...classes: { prototype: object }[]): void {
  type Readable = { arrayBuffer(): Promise<ArrayBuffer>; headers: { get(name: string): string | null } };
  const readers = {
    async formData(this: Readable): Promise<FormData> {
      return parseFormBody(new Uint8Array(await this.arrayBuffer()), this.headers.get("content-type"));
    },
    async blob(this: Readable): Promise<Blob> {
      return new Blob([await this.arrayBuffer()], { type: this.headers.get("content-type") ?? "" });
    },
  };
  for (const target of classes) {
    for (const [name, value] of Object.entries(readers)) {
      if (name in target.prototype) continue;
      Object.defineProperty(target.prototype, name, { value, writable: true, configurable: true, enumerable: false });
    }
  }
}
