import { randomFillSync, randomUUID } from "node:crypto";

/**
 * Random bytes for ids come from a pool refilled 4 KB at a time: one `randomBytes(8)` per
 * request was ~4% of the edge's CPU under load (a syscall-sized call per id), the pool
 * makes it a slice. Like `crypto.randomUUID()`, which pools its entropy the same way.
 */
const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let offset = POOL_BYTES;

function randomHex(bytes: number): string {
  if (offset + bytes > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const hex = pool.toString("hex", offset, offset + bytes);
  offset += bytes;
  return hex;
}

/** The time part of the last id, kept for its millisecond: base-36 formatting of a double is slow in V8. */
let lastMs = -1;
let lastTime = "";

/** Request ids and invocation ids: sortable by time, unique without coordination. */
export function newId(prefix: string): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastTime = now.toString(36).padStart(9, "0");
  }
  return `${prefix}_${lastTime}${randomHex(8)}`;
}

export function newRequestId(): string {
  return newId("req");
}

export function newInvocationId(): string {
  return newId("inv");
}

export { randomUUID };
