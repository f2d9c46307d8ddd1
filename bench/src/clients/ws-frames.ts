/**
 * The few parts of RFC 6455 a bench client needs: reading a server's (unmasked) frames out
 * of a byte stream, and writing masked client frames. Kept apart from the socket so the
 * parser can be tested on split and odd input.
 */
import { randomFillSync } from 'node:crypto';

export const OP_CONTINUATION = 0x0;
export const OP_TEXT = 0x1;
export const OP_BINARY = 0x2;
export const OP_CLOSE = 0x8;
export const OP_PING = 0x9;
export const OP_PONG = 0xa;

export interface FrameSink {
  /** A whole text or binary message (fragments joined); valid only during the call. */
  onMessage(payload: Buffer): void;
  /** A control frame (close, ping, pong) with its payload; valid only during the call. */
  onControl(opcode: number, payload: Buffer): void;
}

/** Reads frames out of chunks that may split a frame anywhere. */
export class FrameReader {
  /** Bytes of an incomplete frame, copied out of the caller's chunk. */
  private partial: Buffer | null = null;
  private fragments: Buffer[] | null = null;

  constructor(private readonly sink: FrameSink) {}

  /** Parses `chunk`; throws on a frame a server may not send. The chunk is not kept. */
  push(chunk: Buffer): void {
    let buf = chunk;
    if (this.partial !== null) {
      buf = Buffer.concat([this.partial, chunk]);
      this.partial = null;
    }
    let at = 0;
    while (at < buf.length) {
      const end = this.frameAt(buf, at);
      if (end < 0) break;
      at = end;
    }
    if (at < buf.length) this.partial = Buffer.from(buf.subarray(at));
  }

  /** Handles the frame starting at `at`; returns where the next begins, or -1 if cut short. */
  private frameAt(buf: Buffer, at: number): number {
    if (buf.length - at < 2) return -1;
    const b0 = buf[at]!;
    const b1 = buf[at + 1]!;
    if ((b1 & 0x80) !== 0) throw new Error('server frame is masked');
    if ((b0 & 0x70) !== 0) throw new Error('frame sets a reserved bit (no extension agreed)');
    let length = b1 & 0x7f;
    let start = at + 2;
    if (length === 126) {
      if (buf.length - at < 4) return -1;
      length = buf.readUInt16BE(at + 2);
      start = at + 4;
    } else if (length === 127) {
      if (buf.length - at < 10) return -1;
      if (buf.readUInt32BE(at + 2) !== 0) throw new Error('frame longer than 4 GiB');
      length = buf.readUInt32BE(at + 6);
      start = at + 10;
    }
    const end = start + length;
    if (end > buf.length) return -1;
    this.frame((b0 & 0x80) !== 0, b0 & 0x0f, buf.subarray(start, end));
    return end;
  }

  private frame(fin: boolean, opcode: number, payload: Buffer): void {
    if (opcode >= OP_CLOSE) {
      if (!fin || payload.length > 125) throw new Error('control frame fragmented or too long');
      this.sink.onControl(opcode, payload);
      return;
    }
    if (opcode === OP_CONTINUATION) {
      if (this.fragments === null) throw new Error('continuation frame without a message');
      this.fragments.push(Buffer.from(payload));
      if (fin) {
        const whole = Buffer.concat(this.fragments);
        this.fragments = null;
        this.sink.onMessage(whole);
      }
      return;
    }
    if (opcode !== OP_TEXT && opcode !== OP_BINARY) throw new Error(`unknown opcode ${opcode}`);
    if (this.fragments !== null) throw new Error('new message before the last one ended');
    if (fin) this.sink.onMessage(payload);
    else this.fragments = [Buffer.from(payload)];
  }
}

/** Random masking keys, drawn 1,024 at a time. */
const maskPool = Buffer.allocUnsafe(4096);
let maskAt = maskPool.length;

/** One masked, final client frame carrying `payload`. */
export function clientFrame(opcode: number, payload: Buffer): Buffer {
  const length = payload.length;
  const lengthBytes = length < 126 ? 0 : length < 0x10000 ? 2 : 8;
  const head = 2 + lengthBytes;
  const frame = Buffer.allocUnsafe(head + 4 + length);
  frame[0] = 0x80 | opcode;
  if (lengthBytes === 0) frame[1] = 0x80 | length;
  else if (lengthBytes === 2) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeUInt32BE(0, 2);
    frame.writeUInt32BE(length, 6);
  }
  if (maskAt === maskPool.length) {
    randomFillSync(maskPool);
    maskAt = 0;
  }
  maskPool.copy(frame, head, maskAt, maskAt + 4);
  maskAt += 4;
  for (let i = 0; i < length; i++) frame[head + 4 + i] = payload[i]! ^ frame[head + (i & 3)]!;
  return frame;
}
