import { describe, expect, it } from 'vitest';
import {
  clientFrame,
  FrameReader,
  OP_BINARY,
  OP_CLOSE,
  OP_CONTINUATION,
  OP_PING,
  OP_TEXT,
} from '../src/clients/ws-frames.js';

/** A server (unmasked) frame. */
function serverFrame(opcode: number, payload: Buffer | string, fin = true): Buffer {
  const body = Buffer.from(payload);
  const n = body.length;
  const head =
    n < 126
      ? Buffer.from([0, n])
      : n < 0x10000
        ? Buffer.from([0, 126, n >> 8, n & 0xff])
        : Buffer.concat([Buffer.from([0, 127, 0, 0, 0, 0]), u32(n)]);
  head[0] = (fin ? 0x80 : 0) | opcode;
  return Buffer.concat([head, body]);
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

function collect() {
  const seen: string[] = [];
  const reader = new FrameReader({
    onMessage: (p) => seen.push(`msg:${p.toString()}`),
    onControl: (op, p) => seen.push(`ctl${op}:${p.toString()}`),
  });
  return { seen, reader };
}

/** Unmasks a client frame: [opcode, fin, masked, payload]. */
function readClientFrame(frame: Buffer): { opcode: number; fin: boolean; payload: Buffer } {
  let n = frame[1]! & 0x7f;
  let at = 2;
  if (n === 126) {
    n = frame.readUInt16BE(2);
    at = 4;
  } else if (n === 127) {
    n = frame.readUInt32BE(6);
    at = 10;
  }
  expect(frame[1]! & 0x80).toBe(0x80);
  const mask = frame.subarray(at, at + 4);
  const payload = Buffer.from(frame.subarray(at + 4));
  expect(payload.length).toBe(n);
  for (let i = 0; i < n; i++) payload[i]! ^= mask[i & 3]!;
  return { opcode: frame[0]! & 0x0f, fin: (frame[0]! & 0x80) !== 0, payload };
}

describe('ws-frames > FrameReader', () => {
  const stream = Buffer.concat([
    serverFrame(OP_TEXT, 'hello'),
    serverFrame(OP_PING, 'p'),
    serverFrame(OP_TEXT, 'x'.repeat(300)),
    serverFrame(OP_TEXT, 'part1-', false),
    serverFrame(OP_PING, 'mid'),
    serverFrame(OP_CONTINUATION, 'part2', true),
    serverFrame(OP_BINARY, 'y'.repeat(70_000)),
    serverFrame(OP_CLOSE, Buffer.from([0x03, 0xe8])),
  ]);
  const expected = [
    'msg:hello',
    'ctl9:p',
    `msg:${'x'.repeat(300)}`,
    'ctl9:mid',
    'msg:part1-part2',
    `msg:${'y'.repeat(70_000)}`,
    `ctl8:${Buffer.from([0x03, 0xe8]).toString()}`,
  ];

  it('reads every frame of one chunk: short, 16-bit and 64-bit lengths, fragments joined', () => {
    const { seen, reader } = collect();
    reader.push(stream);
    expect(seen).toEqual(expected);
  });

  it('reads the same frames whatever the chunks are cut at', () => {
    // Byte-sized chunks over all but the 70 KB frame (a frame cut that small costs a copy per
    // chunk); bigger chunks over everything.
    const small = stream.length - serverFrame(OP_CLOSE, 'xx').length - 70_010;
    for (const size of [1, 2, 3, 7, 64, 1000]) {
      const { seen, reader } = collect();
      const upTo = size < 64 ? small : stream.length;
      for (let at = 0; at < upTo; at += size) {
        // A fresh copy, overwritten after the call, as the generator's shared read buffer is.
        const chunk = Buffer.from(stream.subarray(at, Math.min(at + size, upTo)));
        reader.push(chunk);
        chunk.fill(0);
      }
      if (upTo < stream.length) reader.push(Buffer.from(stream.subarray(upTo)));
      expect(seen, `chunks of ${size}`).toEqual(expected);
    }
  });

  it('refuses what a server may not send', () => {
    const masked = serverFrame(OP_TEXT, 'a');
    masked[1]! |= 0x80;
    const reserved = serverFrame(OP_TEXT, 'a');
    reserved[0]! |= 0x40;
    const cases: Array<[Buffer, RegExp]> = [
      [masked, /masked/],
      [reserved, /reserved bit/],
      [serverFrame(OP_CONTINUATION, 'a'), /continuation/],
      [serverFrame(0x3, 'a'), /unknown opcode 3/],
      [serverFrame(OP_PING, 'a', false), /control frame/],
      [Buffer.concat([serverFrame(OP_TEXT, 'a', false), serverFrame(OP_TEXT, 'b')]), /before/],
    ];
    for (const [bytes, error] of cases) expect(() => collect().reader.push(bytes)).toThrow(error);
  });
});

describe('ws-frames > clientFrame', () => {
  it('masks the payload and picks the length form by size', () => {
    for (const [n, lengthByte] of [
      [0, 0],
      [125, 125],
      [126, 126],
      [65_535, 126],
      [65_536, 127],
    ] as const) {
      const payload = Buffer.alloc(n, 'z');
      const frame = clientFrame(OP_TEXT, payload);
      expect(frame[1]! & 0x7f, `length ${n}`).toBe(lengthByte);
      const read = readClientFrame(frame);
      expect([read.opcode, read.fin]).toEqual([OP_TEXT, true]);
      expect(read.payload.equals(payload), `payload of ${n}`).toBe(true);
    }
  });

  it('draws a new masking key for each frame', () => {
    const keys = new Set<string>();
    for (let i = 0; i < 50; i++) {
      keys.add(clientFrame(OP_TEXT, Buffer.from('hi')).subarray(2, 6).toString('hex'));
    }
    expect(keys.size).toBeGreaterThan(45);
  });
});
