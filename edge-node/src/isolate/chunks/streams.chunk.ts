// Lazy chunk "streams" (runtime-chunks.ts): web-streams-polyfill's WHATWG Streams, for the
// stream globals and every body, Blob or transform read as a stream (streams.guest.ts).
export {
  ByteLengthQueuingStrategy,
  CountQueuingStrategy,
  ReadableStream,
  TransformStream,
  WritableStream,
} from "web-streams-polyfill";
