/**
 * `Blob` and `File` (https://w3c.github.io/FileAPI/#blob-section) over bytes held in the
 * isolate: parts are joined when the Blob is made, so size, slice and reads are simple.
 */
import type { ReadableStream } from "web-streams-polyfill";
import { streams } from "./streams.guest.ts";

export type BlobPart = string | ArrayBuffer | ArrayBufferView | Blob;

export interface BlobPropertyBag {
  type?: string;
  endings?: "transparent" | "native";
}

export interface FilePropertyBag extends BlobPropertyBag {
  lastModified?: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const contents = new WeakMap<Blob, Uint8Array>();

/** https://w3c.github.io/FileAPI/#dfn-type: printable ASCII, lower-cased, else "". */
function blobType(type: unknown): string {
  const text = type === undefined ? "" : String(type);
  return /^[\x20-\x7e]*$/.test(text) ? text.toLowerCase() : "";
}

function partBytes(part: BlobPart): Uint8Array {
  if (part instanceof Blob) return contents.get(part) as Uint8Array;
  if (part instanceof ArrayBuffer) return new Uint8Array(part);
  if (ArrayBuffer.isView(part)) return new Uint8Array(part.buffer, part.byteOffset, part.byteLength);
  return encoder.encode(String(part));
}

function join(parts: Iterable<BlobPart>): Uint8Array {
  const list = Array.from(parts, partBytes);
  const out = new Uint8Array(list.reduce((sum, part) => sum + part.byteLength, 0));
  let offset = 0;
  for (const part of list) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

/** A relative index as slice() takes it (https://w3c.github.io/FileAPI/#slice-method-algo). */
function clamp(index: number | undefined, size: number, fallback: number): number {
  if (index === undefined) return fallback;
  const n = Math.trunc(Number(index)) || 0;
  return n < 0 ? Math.max(size + n, 0) : Math.min(n, size);
}

export class Blob {
  readonly #type: string;

  constructor(parts: Iterable<BlobPart> = [], options: BlobPropertyBag = {}) {
    if (typeof parts !== "object" || parts === null || !(Symbol.iterator in parts)) {
      throw new TypeError("Blob: the first argument must be a sequence");
    }
    contents.set(this, join(parts));
    this.#type = blobType(options?.type);
  }

  get size(): number {
    return (contents.get(this) as Uint8Array).byteLength;
  }

  get type(): string {
    return this.#type;
  }

  slice(start?: number, end?: number, contentType?: string): Blob {
    const bytes = contents.get(this) as Uint8Array;
    const from = clamp(start, bytes.byteLength, 0);
    const to = clamp(end, bytes.byteLength, bytes.byteLength);
    return new Blob([bytes.subarray(from, Math.max(from, to))], { type: contentType });
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    return (contents.get(this) as Uint8Array).slice().buffer;
  }

  async bytes(): Promise<Uint8Array> {
    return (contents.get(this) as Uint8Array).slice();
  }

  async text(): Promise<string> {
    return decoder.decode(contents.get(this) as Uint8Array);
  }

  stream(): ReadableStream<Uint8Array> {
    const bytes = (contents.get(this) as Uint8Array).slice();
    return new (streams().ReadableStream)<Uint8Array>({
      start(controller) {
        if (bytes.byteLength > 0) controller.enqueue(bytes);
        controller.close();
      },
    });
  }

  get [Symbol.toStringTag](): string {
    return "Blob";
  }
}

/** The bytes of a Blob without copying (for body extraction). */
export function blobBytes(blob: Blob): Uint8Array {
  return contents.get(blob) as Uint8Array;
}

export class File extends Blob {
  readonly #name: string;
  readonly #lastModified: number;

  constructor(parts: Iterable<BlobPart>, name: string, options: FilePropertyBag = {}) {
    if (arguments.length < 2) throw new TypeError("File: 2 arguments required");
    super(parts, options);
    this.#name = String(name);
    this.#lastModified = options.lastModified === undefined ? Date.now() : Math.trunc(Number(options.lastModified));
  }

  get name(): string {
    return this.#name;
  }

  get lastModified(): number {
    return this.#lastModified;
  }

  get webkitRelativePath(): string {
    return "";
  }

  get [Symbol.toStringTag](): string {
    return "File";
  }
}
