import { describe, expect, it } from 'vitest';
import { TelnetFilter } from '../src/index.js';

function filterIn(pieces: Buffer[]): Buffer {
  const filter = new TelnetFilter();
  return Buffer.concat(pieces.map((piece) => filter.filter(piece)));
}

describe('TelnetFilter', () => {
  const stream = Buffer.concat([
    Buffer.from('a'),
    Buffer.from([0xff, 0xfb, 0x03]), // IAC WILL SGA
    Buffer.from('b'),
    Buffer.from([0xff, 0xff]), // escaped 0xFF
    Buffer.from([0xff, 0xfa, 0x1f, 0xff, 0xff, 0x00, 0x50, 0xff, 0xf0]), // SB NAWS with IAC IAC
    Buffer.from('c'),
    Buffer.from([0xff, 0xf1]), // IAC NOP
  ]);

  it('keeps data and drops commands, options and subnegotiation at any split', () => {
    const expected = Buffer.from([0x61, 0x62, 0xff, 0x63]);
    for (let at = 0; at <= stream.length; at++) {
      expect(filterIn([stream.subarray(0, at), stream.subarray(at)])).toEqual(expected);
    }
    expect(filterIn(Array.from(stream, (b) => Buffer.from([b])))).toEqual(expected);
  });

  it('passes a chunk without IAC through uncopied', () => {
    const chunk = Buffer.from('plain text\n');
    expect(new TelnetFilter().filter(chunk)).toBe(chunk);
  });
});
