/** Largest payload a 2-byte length can carry. */
export const MAX_FRAME_BYTES = 0xffff;

/** A zero-length frame: the peer is closing. */
export const END_FRAME: unique symbol = Symbol('end frame');

/**
 * Incremental decoder for 2-byte big-endian length-prefixed frames, pulled one frame at a
 * time. Holds at most the bytes pushed and not yet pulled; since a frame is at most 64 KiB
 * and the session pauses the socket while it is not pulling, that is bounded.
 */
export class FrameDecoder {
  private readonly chunks: Buffer[] = [];
  private offset = 0;
  private buffered = 0;

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /** Bytes received and not yet returned as frames. */
  get pendingBytes(): number {
    return this.buffered;
  }

  /** The next payload, END_FRAME for a zero length, or undefined when more bytes are needed. */
  next(): Buffer | typeof END_FRAME | undefined {
    if (this.buffered < 2) return undefined;
    const length = this.peekLength();
    if (this.buffered < 2 + length) return undefined;
    this.skip(2);
    return length === 0 ? END_FRAME : this.take(length);
  }

  private peekLength(): number {
    const first = this.chunks[0]!;
    if (first.length - this.offset >= 2) return first.readUInt16BE(this.offset);
    return (first[this.offset]! << 8) | this.chunks[1]![0]!;
  }

  private skip(n: number): void {
    this.take(n);
  }

  /** Removes `n` buffered bytes; a slice when they lie in one chunk, else a copy. */
  private take(n: number): Buffer {
    this.buffered -= n;
    const first = this.chunks[0]!;
    if (first.length - this.offset >= n) {
      const out = first.subarray(this.offset, this.offset + n);
      this.advance(n);
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.chunks[0]!;
      const count = Math.min(n - filled, chunk.length - this.offset);
      chunk.copy(out, filled, this.offset, this.offset + count);
      filled += count;
      this.advance(count);
    }
    return out;
  }

  private advance(n: number): void {
    this.offset += n;
    if (this.offset >= this.chunks[0]!.length) {
      this.chunks.shift();
      this.offset = 0;
    }
  }
}

/** Prefixes a payload of at most MAX_FRAME_BYTES with its 2-byte big-endian length. */
export function encodeFrame(payload: Buffer): Buffer {
  if (payload.length > MAX_FRAME_BYTES) {
    throw new RangeError(`frame payload is ${payload.length} bytes; at most ${MAX_FRAME_BYTES}`);
  }
  const frame = Buffer.allocUnsafe(2 + payload.length);
  frame.writeUInt16BE(payload.length, 0);
  payload.copy(frame, 2);
  return frame;
}
