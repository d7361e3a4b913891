/**
 * Random access into the uploaded image archive (a Buffer or a file): one pass reads the
 * tar headers only and records where each member's bytes are, so blobs are streamed
 * straight from the upload without extracting the archive to disk first.
 */
import { createReadStream } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { posix } from "node:path";
import { Readable } from "node:stream";
import { Header, Pax, type HeaderData } from "tar";
import { imageError } from "./image-error.ts";

/** An image archive holds a few files per layer; more than this is not an image. */
const MAX_MEMBERS = 20_000;
/** pax and GNU long-name headers are small; a larger one is refused. */
const MAX_META_BYTES = 1024 * 1024;
const MAX_LINK_HOPS = 8;
const STREAM_CHUNK = 256 * 1024;

interface Member {
  offset: number;
  size: number;
  /** For symlinks and hard links: the member they point at. */
  link?: string;
}

export type ImageSource = Buffer | string;

export class OuterTar {
  private constructor(
    private readonly source: ImageSource,
    private readonly file: FileHandle | undefined,
    private readonly members: Map<string, Member>,
  ) {}

  static async open(source: ImageSource): Promise<OuterTar> {
    const file = typeof source === "string" ? await open(source, "r") : undefined;
    try {
      const size = file ? (await file.stat()).size : (source as Buffer).length;
      const readAt = file
        ? async (pos: number, len: number) => {
            const buf = Buffer.alloc(len);
            const { bytesRead } = await file.read(buf, 0, len, pos);
            return buf.subarray(0, bytesRead);
          }
        : async (pos: number, len: number) => (source as Buffer).subarray(pos, pos + len);
      return new OuterTar(source, file, await indexMembers(readAt, size));
    } catch (err) {
      await file?.close();
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.file?.close();
  }

  has(name: string): boolean {
    return this.find(name) !== undefined;
  }

  /** A member's size in bytes; undefined when absent. */
  size(name: string): number | undefined {
    return this.find(name)?.size;
  }

  /** A small member (JSON) read whole; refused when larger than `max`. */
  async read(name: string, max: number): Promise<Buffer> {
    const member = this.require(name);
    if (member.size > max) throw imageError(name, `larger than ${max} bytes`);
    const chunks: Buffer[] = [];
    for await (const chunk of this.stream(name)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  /** A member's bytes as a stream. */
  stream(name: string): Readable {
    const { offset, size } = this.require(name);
    if (typeof this.source === "string") {
      if (size === 0) return Readable.from([]);
      return createReadStream(this.source, { start: offset, end: offset + size - 1, highWaterMark: STREAM_CHUNK });
    }
    const buf = this.source;
    return Readable.from(
      (function* () {
        for (let pos = offset; pos < offset + size; pos += STREAM_CHUNK) {
          yield buf.subarray(pos, Math.min(pos + STREAM_CHUNK, offset + size));
        }
      })(),
    );
  }

  private require(name: string): Member {
    const member = this.find(name);
    if (!member) throw imageError(name, "missing from the archive");
    return member;
  }

  private find(name: string): Member | undefined {
    let key = normalize(name);
    for (let hops = 0; hops <= MAX_LINK_HOPS; hops++) {
      const member = this.members.get(key);
      if (member?.link === undefined) return member;
      key = member.link;
    }
    throw imageError(name, "too many levels of links in the archive");
  }
}

function normalize(name: string): string {
  return posix
    .normalize(name.replace(/^\/+/, ""))
    .replace(/^(\.\/)+/, "")
    .replace(/\/$/, "");
}

type ReadAt = (pos: number, len: number) => Promise<Buffer>;

async function indexMembers(readAt: ReadAt, total: number): Promise<Map<string, Member>> {
  const members = new Map<string, Member>();
  let ex: HeaderData | undefined;
  let gex: HeaderData | undefined;
  for (let pos = 0; pos + 512 <= total;) {
    const block = await readAt(pos, 512);
    if (block.every((b) => b === 0)) break;
    const header = decodeHeader(block, ex, gex);
    if (!header.cksumValid) throw imageError("", "not a tar archive (bad header checksum)");
    const size = header.size ?? 0;
    const body = pos + 512;
    if (body + size > total) throw imageError(header.path ?? "", "the archive is truncated");
    pos = body + Math.ceil(size / 512) * 512;
    const meta = await metaText(header, readAt, body, size);
    if (meta !== undefined) {
      if (header.type === "GlobalExtendedHeader") gex = Pax.parse(meta, gex, true);
      else if (header.type === "ExtendedHeader" || header.type === "OldExtendedHeader") ex = Pax.parse(meta, ex, false);
      else ex = { ...ex, [header.type === "NextFileHasLongLinkpath" ? "linkpath" : "path"]: meta.replace(/\0.*/s, "") };
      continue;
    }
    ex = undefined;
    if (members.size >= MAX_MEMBERS) throw imageError("", `more than ${MAX_MEMBERS} members in the archive`);
    const name = normalize(header.path ?? "");
    if (header.type === "SymbolicLink") {
      members.set(name, {
        offset: 0,
        size: 0,
        link: normalize(posix.join(posix.dirname(name), header.linkpath ?? "")),
      });
    } else if (header.type === "Link") {
      members.set(name, { offset: 0, size: 0, link: normalize(header.linkpath ?? "") });
    } else if (header.type === "File" || header.type === "OldFile" || header.type === "ContiguousFile") {
      members.set(name, { offset: body, size });
    }
  }
  return members;
}

function decodeHeader(block: Buffer, ex: HeaderData | undefined, gex: HeaderData | undefined): Header {
  try {
    return new Header(block, 0, ex, gex);
  } catch (err) {
    throw imageError("", "not a tar archive (unreadable header)", err);
  }
}

const META_TYPES = new Set([
  "ExtendedHeader",
  "OldExtendedHeader",
  "GlobalExtendedHeader",
  "NextFileHasLongPath",
  "OldGnuLongPath",
  "NextFileHasLongLinkpath",
]);

async function metaText(header: Header, readAt: ReadAt, body: number, size: number): Promise<string | undefined> {
  if (!META_TYPES.has(header.type)) return undefined;
  if (size > MAX_META_BYTES) throw imageError("", "an extended tar header is too large");
  return (await readAt(body, size)).toString("utf8");
}
