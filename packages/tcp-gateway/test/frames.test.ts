import { describe, expect, it } from 'vitest';
import { END_FRAME, encodeFrame, FrameDecoder, MAX_FRAME_BYTES } from '../src/index.js';

type Out = string | typeof END_FRAME;

function decode(pieces: Buffer[]): Out[] {
  const decoder = new FrameDecoder();
  const out: Out[] = [];
  for (const piece of pieces) {
    decoder.push(piece);
    for (let next = decoder.next(); next !== undefined; next = decoder.next()) {
      out.push(next === END_FRAME ? END_FRAME : next.toString('utf8'));
    }
  }
  return out;
}

/** Written out by hand: 2-byte big-endian length, then the bytes. */
function lengthPrefixed(text: string): Buffer {
  const body = Buffer.from(text, 'utf8');
  return Buffer.concat([Buffer.from([body.length >> 8, body.length & 0xff]), body]);
}

describe('FrameDecoder', () => {
  const stream = Buffer.concat([
    lengthPrefixed('hi'),
    lengthPrefixed('wörld 🎉'),
    lengthPrefixed('x'.repeat(300)),
    Buffer.from([0, 0]),
  ]);
  const expected: Out[] = ['hi', 'wörld 🎉', 'x'.repeat(300), END_FRAME];

  it('decodes frames split at every byte', () => {
    for (let at = 0; at <= stream.length; at++) {
      expect(decode([stream.subarray(0, at), stream.subarray(at)])).toEqual(expected);
    }
  });

  it('decodes frames fed one byte at a time and split at every pair of points', () => {
    expect(decode(Array.from(stream, (b) => Buffer.from([b])))).toEqual(expected);
    const short = Buffer.concat([lengthPrefixed('abc'), lengthPrefixed('de')]);
    for (let i = 0; i <= short.length; i++) {
      for (let j = i; j <= short.length; j++) {
        expect(decode([short.subarray(0, i), short.subarray(i, j), short.subarray(j)])).toEqual([
          'abc',
          'de',
        ]);
      }
    }
  });

  it('waits for the rest of a partial frame', () => {
    const decoder = new FrameDecoder();
    decoder.push(Buffer.from([0x00, 0x05, 0x61]));
    expect(decoder.next()).toBeUndefined();
    expect(decoder.pendingBytes).toBe(3);
    decoder.push(Buffer.from('bcde'));
    expect(decoder.next()?.toString()).toBe('abcde');
  });

  it('carries the largest frame a 2-byte length allows', () => {
    const payload = Buffer.alloc(MAX_FRAME_BYTES, 0x7a);
    const framed = encodeFrame(payload);
    expect(framed.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xff]));
    const decoder = new FrameDecoder();
    decoder.push(framed.subarray(0, 40_000));
    expect(decoder.next()).toBeUndefined();
    decoder.push(framed.subarray(40_000));
    expect(decoder.next()).toEqual(payload);
  });
});

describe('encodeFrame', () => {
  it('writes the 2-byte big-endian length before the payload', () => {
    expect(encodeFrame(Buffer.from('héllo'))).toEqual(lengthPrefixed('héllo'));
  });

  it('refuses a payload over 65535 bytes', () => {
    expect(() => encodeFrame(Buffer.alloc(MAX_FRAME_BYTES + 1))).toThrow(RangeError);
  });
});
