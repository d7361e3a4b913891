/**
 * `storage` of `@bunbase/sdk`: files in buckets.
 *
 *     const file = storage.bucket("uploads").file("notes/a.txt");
 *     await file.upload("hello", { contentType: "text/plain" });
 *     const text = await (await file.download()).text();   // a Response
 */
import { callSdk, unlessMissing } from "./sdk-call.guest.ts";

export interface StoredObject {
  bucket: string;
  path: string;
  size: number;
  contentType: string;
  etag: string;
  updatedAt: string;
}

/** Objects are at most 10 MB. */
export type UploadData = string | Uint8Array | ArrayBuffer | ArrayBufferView | Blob;

const call = (method: string, args: Record<string, unknown>) => callSdk("storage", method, args);

export class FileReference {
  constructor(
    readonly bucket: string,
    readonly path: string,
  ) {}

  /** Stores the bytes (replacing any previous object) and resolves to the object's metadata. */
  async upload(data: UploadData, options: { contentType?: string } = {}): Promise<StoredObject> {
    const { bytes, type } = await toBytes(data);
    const contentType = options.contentType ?? type;
    return call("upload", { bucket: this.bucket, path: this.path, data: bytes, contentType }) as Promise<StoredObject>;
  }

  /** The content as a Response (`text()`, `json()`, `arrayBuffer()`, `blob()`; `content-type` and `etag` headers). */
  async download(): Promise<Response> {
    const got = (await call("download", { bucket: this.bucket, path: this.path })) as {
      data: Uint8Array;
      contentType: string;
      etag: string;
    };
    return new Response(got.data, { headers: { "content-type": got.contentType, etag: `"${got.etag}"` } });
  }

  exists(): Promise<boolean> {
    return call("exists", { bucket: this.bucket, path: this.path }) as Promise<boolean>;
  }

  /** The metadata, or null when there is no such object. */
  stat(): Promise<StoredObject | null> {
    return unlessMissing(call("stat", { bucket: this.bucket, path: this.path }) as Promise<StoredObject>, null);
  }

  /** True if it was deleted, false if there was none. */
  delete(): Promise<boolean> {
    return unlessMissing(
      call("delete", { bucket: this.bucket, path: this.path }).then(() => true),
      false,
    );
  }
}

export class BucketReference {
  constructor(readonly name: string) {}

  file(path: string): FileReference {
    return new FileReference(this.name, path);
  }

  /** Objects in path order under `prefix` (one page: `limit`, 1-1000, default 100). */
  async list(prefix?: string, options: { limit?: number } = {}): Promise<StoredObject[]> {
    return (await this.listPage(prefix, options)).objects;
  }

  listPage(
    prefix?: string,
    options: { limit?: number; cursor?: string } = {},
  ): Promise<{ objects: StoredObject[]; nextCursor: string | null }> {
    return call("list", { bucket: this.name, prefix, limit: options.limit, cursor: options.cursor }) as Promise<{
      objects: StoredObject[];
      nextCursor: string | null;
    }>;
  }
}

async function toBytes(data: UploadData): Promise<{ bytes: Uint8Array; type: string | undefined }> {
  if (typeof data === "string") return { bytes: new TextEncoder().encode(data), type: "text/plain; charset=utf-8" };
  if (data instanceof ArrayBuffer) return { bytes: new Uint8Array(data.slice(0)), type: undefined };
  if (ArrayBuffer.isView(data)) {
    const view = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    return { bytes: view.slice(), type: undefined };
  }
  if (typeof Blob !== "undefined" && data instanceof Blob) {
    return { bytes: new Uint8Array(await data.arrayBuffer()), type: data.type || undefined };
  }
  throw new TypeError("storage upload(): data must be a string, bytes or a Blob");
}

export const storage = Object.freeze({
  bucket(name: string): BucketReference {
    return new BucketReference(name);
  },
});
