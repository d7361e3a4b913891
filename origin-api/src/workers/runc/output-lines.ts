/**
 * Splits a byte stream into lines for ContainerOptions.onOutput. A line longer than
 * MAX_LINE_BYTES is cut into pieces of that size, so a process that never writes a
 * newline cannot make us buffer without bound; nothing is dropped.
 */
import { StringDecoder } from "node:string_decoder";

export const MAX_LINE_BYTES = 64 * 1024;

export class LineSplitter {
  private readonly decoder = new StringDecoder("utf8");
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private readonly emit: (line: string) => void;

  constructor(emit: (line: string) => void) {
    this.emit = emit;
  }

  push(chunk: Buffer): void {
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(0x0a, start);
      const end = newline === -1 ? chunk.length : newline;
      this.append(chunk.subarray(start, end));
      if (newline === -1) break;
      this.flushLine(true);
      start = newline + 1;
    }
  }

  /** Emits what is left (a last line without a newline). */
  end(): void {
    if (this.pendingBytes > 0) this.flushLine(true);
  }

  private append(piece: Buffer): void {
    while (this.pendingBytes + piece.length > MAX_LINE_BYTES) {
      const room = MAX_LINE_BYTES - this.pendingBytes;
      this.pending.push(piece.subarray(0, room));
      this.pendingBytes += room;
      this.flushLine(false);
      piece = piece.subarray(room);
    }
    if (piece.length > 0) {
      // Copy: the caller's chunk may be reused by the stream.
      this.pending.push(Buffer.from(piece));
      this.pendingBytes += piece.length;
    }
  }

  private flushLine(complete: boolean): void {
    const bytes = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    // A cut may split a UTF-8 sequence: the decoder carries its bytes over to the next piece.
    let line = complete ? this.decoder.end(bytes) : this.decoder.write(bytes);
    if (line.endsWith("\r")) line = line.slice(0, -1);
    this.emit(line);
  }
}
