/**
 * A layer's tar entries, one at a time, from its (possibly gzip) stream. The uncompressed
 * bytes are counted against a shared budget as they flow, so a gzip bomb stops at the
 * cap instead of filling memory or disk, and hashed for the layer's diff_id.
 */
import { createHash, type Hash } from "node:crypto";
import { Transform, type Readable, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { Parser, type ReadEntry } from "tar";
import { imageError } from "./image-error.ts";
import type { LayerCompression } from "./media-types.ts";

/** Bytes of uncompressed layer data still allowed, shared by all layers of an image. */
export interface ByteBudget {
  remaining: number;
  readonly max: number;
}

/** Hashes what passes through; with a budget, fails once the budget is spent. */
class Meter extends Transform {
  readonly hash: Hash = createHash("sha256");

  constructor(
    private readonly budget: ByteBudget | undefined,
    private readonly layer: string,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (this.budget) this.budget.remaining -= chunk.length;
    if (this.budget && this.budget.remaining < 0) {
      done(imageError(this.layer, `the image unpacks to more than ${this.budget.max} bytes`));
      return;
    }
    this.hash.update(chunk);
    done(null, chunk);
  }
}

export interface LayerEntries {
  entries: AsyncGenerator<ReadEntry>;
  /** "sha256:<hex>" of the uncompressed tar, once `entries` is exhausted. */
  diffId(): string;
  /** "sha256:<hex>" of the bytes as stored. */
  storedDigest(): string;
}

export function readLayer(
  source: Readable,
  compression: LayerCompression,
  budget: ByteBudget,
  layer: string,
): LayerEntries {
  const stored = new Meter(undefined, layer);
  const meter = new Meter(budget, layer);
  const parser = new Parser({ strict: true });
  const stages: NodeJS.ReadWriteStream[] = compression === "gzip" ? [stored, createGunzip(), meter] : [stored, meter];
  let diffId: string | undefined;
  let storedDigest: string | undefined;
  const run = (p: Parser) => pipeline([source, ...stages, p as unknown as NodeJS.WritableStream]);
  const entries = iterate(
    parser,
    run,
    () => source.destroy(),
    layer,
    () => {
      diffId = `sha256:${meter.hash.digest("hex")}`;
      storedDigest = `sha256:${stored.hash.digest("hex")}`;
    },
  );
  return {
    entries,
    diffId: () => diffId ?? "",
    storedDigest: () => storedDigest ?? "",
  };
}

async function* iterate(
  parser: Parser,
  run: (parser: Parser) => Promise<void>,
  abort: () => void,
  layer: string,
  onEnd: () => void,
): AsyncGenerator<ReadEntry> {
  const queue: ReadEntry[] = [];
  let state: { done: true } | { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  let current: ReadEntry | undefined;
  parser.on("entry", (entry: ReadEntry) => {
    queue.push(entry);
    wake?.();
  });
  const finish = (next: { done: true } | { error: unknown }) => {
    if ("error" in next) next = { error: wrap(next.error, layer) };
    state ??= next;
    // an entry being written would otherwise wait forever for the rest of its bytes
    if ("error" in next && current && current.listenerCount("error") > 0) current.emit("error", next.error);
    wake?.();
  };
  run(parser).then(
    () => finish({ done: true }),
    (error: unknown) => finish({ error }),
  );
  try {
    for (;;) {
      const next = queue.shift();
      if (next) {
        current = next;
        yield next;
        current = undefined;
        continue;
      }
      if (state && "error" in state) throw state.error;
      if (state) break;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
    onEnd();
  } finally {
    // the consumer stopped early (a refused entry): stop reading the layer
    if (!state) abort();
  }
}

function wrap(error: unknown, layer: string): unknown {
  if ((error as { code?: string }).code === "FN_005") return error;
  return imageError(layer, `not a readable layer: ${(error as Error).message}`, error);
}
