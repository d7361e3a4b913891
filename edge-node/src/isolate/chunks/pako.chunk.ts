// Lazy chunk "pako" (runtime-chunks.ts): zlib for CompressionStream/DecompressionStream.
export { Deflate, Inflate } from "pako";
