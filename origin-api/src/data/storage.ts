/**
 * `storage`: files in buckets, under `<data dir>/storage/<bucket>/<path>`, with their
 * metadata in SQLite. An upload streams to a temp file while hashing it, then one
 * transaction records the metadata, publishes `storage.upload` and renames the file into
 * place; nothing is ever buffered whole.
 */
import { createHash, randomUUID } from "node:crypto";
import { mkdirSync, renameSync, rmdirSync, rmSync, unlinkSync } from "node:fs";
import { open } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { createWriteStream } from "node:fs";
import { BunbaseError, invalid } from "../../../core/index.ts";
import type { EventSink } from "../events/types.ts";
import type { Store } from "../store/index.ts";
import { parseLimit } from "./document-query.ts";
import { parseBucketName } from "./names.ts";
import { fileInside, parseObjectPath, parsePrefix } from "./object-paths.ts";

export interface StoredObject {
  bucket: string;
  path: string;
  size: number;
  contentType: string;
  /** sha256 of the content, hex. */
  etag: string;
  updatedAt: string;
}

export type ObjectBody = WebReadableStream<Uint8Array> | ReadableStream<Uint8Array> | Uint8Array | string;

export const DEFAULT_CONTENT_TYPE = "application/octet-stream";
/** The API's body limit; code callers get the same. */
export const MAX_OBJECT_BYTES = 10 * 1024 * 1024;

const CONTENT_TYPE = /^[\x21-\x7e][\x20-\x7e]{0,254}$/;

interface Row {
  bucket: string;
  path: string;
  size: number;
  content_type: string;
  etag: string;
  updated_at: string;
}

export class ObjectStorage {
  private readonly root: string;

  constructor(
    private readonly store: Store,
    private readonly events: EventSink,
    /** `<data dir>/storage` */
    root: string,
    private readonly maxObjectBytes = MAX_OBJECT_BYTES,
  ) {
    this.root = resolve(root);
  }

  async put(
    bucket: string,
    path: string,
    body: ObjectBody,
    options: { contentType?: string } = {},
  ): Promise<StoredObject> {
    const b = parseBucketName(bucket);
    const p = parseObjectPath(path);
    const contentType = parseContentType(options.contentType);
    const file = fileInside(join(this.root, b), p);
    const tmpDir = join(this.root, ".tmp");
    mkdirSync(tmpDir, { recursive: true });
    const tmp = join(tmpDir, randomUUID());
    try {
      const { size, etag } = await this.writeHashed(body, tmp);
      // From here to the rename nothing awaits, so a delete pruning folders cannot interleave.
      onConflict(() => mkdirSync(dirname(file), { recursive: true }), p);
      const object: StoredObject = { bucket: b, path: p, size, contentType, etag, updatedAt: new Date().toISOString() };
      return this.store.tx(() => {
        this.store.db
          .prepare(
            `INSERT INTO storage_objects (bucket, path, size, content_type, etag, updated_at) VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (bucket, path) DO UPDATE SET size = excluded.size, content_type = excluded.content_type,
               etag = excluded.etag, updated_at = excluded.updated_at`,
          )
          .run(b, p, size, contentType, etag, object.updatedAt);
        this.publish("upload", object, object);
        onConflict(() => renameSync(tmp, file), p);
        return object;
      });
    } finally {
      rmSync(tmp, { force: true });
    }
  }

  /** The object's metadata, or undefined. */
  find(bucket: string, path: string): StoredObject | undefined {
    const row = this.store.db
      .prepare("SELECT * FROM storage_objects WHERE bucket = ? AND path = ?")
      .get(parseBucketName(bucket), parseObjectPath(path)) as Row | undefined;
    return row && toObject(row);
  }

  /** The object's metadata; FN_001 when it does not exist. */
  stat(bucket: string, path: string): StoredObject {
    const object = this.find(bucket, path);
    if (!object) throw notFound(bucket, path);
    return object;
  }

  /** Metadata and a stream of the content (the caller must read or cancel it). */
  async read(bucket: string, path: string): Promise<{ object: StoredObject; body: ReadableStream<Uint8Array> }> {
    const object = this.stat(bucket, path);
    const handle = await open(fileInside(join(this.root, object.bucket), object.path), "r").catch(
      (err: NodeJS.ErrnoException) => {
        throw err.code === "ENOENT" ? notFound(bucket, path) : err;
      },
    );
    const stream = handle.createReadStream({ autoClose: true });
    return { object, body: Readable.toWeb(stream) as ReadableStream<Uint8Array> };
  }

  /** Deletes the object; FN_001 when it does not exist. Empty folders it leaves are removed. */
  delete(bucket: string, path: string): StoredObject {
    const object = this.stat(bucket, path);
    const bucketDir = join(this.root, object.bucket);
    const file = fileInside(bucketDir, object.path);
    this.store.tx(() => {
      this.store.db
        .prepare("DELETE FROM storage_objects WHERE bucket = ? AND path = ?")
        .run(object.bucket, object.path);
      this.publish("delete", null, object);
      unlinkIfPresent(file);
    });
    pruneEmptyFolders(dirname(file), resolve(bucketDir));
    return object;
  }

  /** Objects in path order, optionally under `prefix`; `limit` 1-1000 (default 100). */
  list(
    bucket: string,
    options: { prefix?: string; limit?: number; cursor?: string } = {},
  ): { objects: StoredObject[]; nextCursor: string | null } {
    const b = parseBucketName(bucket);
    const prefix = parsePrefix(options.prefix);
    const limit = parseLimit(options.limit ?? 100);
    const after = options.cursor === undefined ? "" : decodeCursor(options.cursor);
    const rows = this.store.db
      .prepare(
        `SELECT * FROM storage_objects WHERE bucket = ? AND path >= ? AND substr(path, 1, length(?)) = ? AND path > ?
         ORDER BY path LIMIT ?`,
      )
      .all(b, prefix, prefix, prefix, after, limit + 1) as Row[];
    const page = rows.slice(0, limit).map(toObject);
    const more = rows.length > limit;
    return { objects: page, nextCursor: more ? Buffer.from(page[page.length - 1].path).toString("base64url") : null };
  }

  private async writeHashed(body: ObjectBody, file: string): Promise<{ size: number; etag: string }> {
    const hash = createHash("sha256");
    let size = 0;
    const max = this.maxObjectBytes;
    const source =
      typeof body === "string" || body instanceof Uint8Array
        ? Readable.from([Buffer.from(body)])
        : Readable.fromWeb(body as WebReadableStream<Uint8Array>);
    await pipeline(
      source,
      async function* (chunks: AsyncIterable<Buffer>) {
        for await (const chunk of chunks) {
          size += chunk.byteLength;
          if (size > max)
            throw new BunbaseError("FN_006", `An object may not exceed ${max} bytes`, {
              status: 413,
              details: { path: "body", limitBytes: max },
            });
          hash.update(chunk);
          yield chunk;
        }
      },
      createWriteStream(file, { flags: "wx", mode: 0o600 }),
    );
    return { size, etag: hash.digest("hex") };
  }

  private publish(kind: "upload" | "delete", data: StoredObject | null, object: StoredObject): void {
    this.events.publish({
      type: `storage.${kind}`,
      source: `/storage/${object.bucket}`,
      data,
      metadata: { bucket: object.bucket, path: object.path, size: object.size, contentType: object.contentType },
    });
  }
}

export function parseContentType(value: unknown): string {
  if (value === undefined || value === null || value === "") return DEFAULT_CONTENT_TYPE;
  if (typeof value !== "string" || !CONTENT_TYPE.test(value))
    throw invalid("contentType", "must be printable ASCII, at most 255 characters");
  return value;
}

/** A path that needs a folder where a file is, or a file where a folder is: 409 FN_006. */
function onConflict<T>(fn: () => T, path: string): T {
  try {
    return fn();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOTDIR" || code === "EEXIST" || code === "EISDIR" || code === "ENOTEMPTY")
      throw new BunbaseError("FN_006", `path: ${path} conflicts with an existing object or folder of the bucket`, {
        status: 409,
        details: { path: "path" },
      });
    throw err;
  }
}

/** A file already gone (removed by hand) does not stop its metadata from being deleted. */
function unlinkIfPresent(file: string): void {
  try {
    unlinkSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
}

/** Removes empty folders from `dir` up to (not including) `stop`. */
function pruneEmptyFolders(dir: string, stop: string): void {
  for (let d = dir; d.startsWith(stop + "/"); d = dirname(d)) {
    try {
      rmdirSync(d);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOTEMPTY" || code === "EEXIST" || code === "ENOENT") return;
      throw err;
    }
  }
}

function decodeCursor(cursor: string): string {
  const path = Buffer.from(cursor, "base64url").toString("utf8");
  if (path === "") throw invalid("cursor", "is not a cursor this API returned");
  return path;
}

function toObject(r: Row): StoredObject {
  return {
    bucket: r.bucket,
    path: r.path,
    size: r.size,
    contentType: r.content_type,
    etag: r.etag,
    updatedAt: r.updated_at,
  };
}

function notFound(bucket: string, path: string): BunbaseError {
  return new BunbaseError("FN_001", `Object ${path} not found in bucket ${bucket}`, { details: { bucket, path } });
}
