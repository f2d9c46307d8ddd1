import { describe, expect, it } from 'vitest';
import { LINE_TOO_LONG, LineFramer } from '../src/index.js';

type Out = string | typeof LINE_TOO_LONG;

function drain(framer: LineFramer): Out[] {
  const out: Out[] = [];
  for (let next = framer.next(); next !== undefined; next = framer.next()) out.push(next);
  return out;
}

/** Feeds `input` in the given pieces, pulling after each push. */
function frame(pieces: Buffer[], max?: number): Out[] {
  const framer = new LineFramer(max);
  const out: Out[] = [];
  for (const piece of pieces) {
    framer.push(piece);
    out.push(...drain(framer));
  }
  return out;
}

/** Every way to cut `input` in two, plus one byte at a time. */
function splits(input: Buffer): Buffer[][] {
  const ways: Buffer[][] = [];
  for (let at = 0; at <= input.length; at++) ways.push([input.subarray(0, at), input.subarray(at)]);
  ways.push(Array.from(input, (byte) => Buffer.from([byte])));
  return ways;
}

describe('LineFramer', () => {
  it('frames LF and CRLF lines the same however the input is split', () => {
    const input = Buffer.from('hello\r\nworld\n\nlast\r\n');
    for (const pieces of splits(input)) {
      expect(frame(pieces)).toEqual(['hello', 'world', '', 'last']);
    }
  });

  it('keeps an unterminated tail until its newline arrives', () => {
    const framer = new LineFramer();
    framer.push(Buffer.from('par'));
    expect(framer.next()).toBeUndefined();
    framer.push(Buffer.from('tial\n'));
    expect(framer.next()).toBe('partial');
    expect(framer.next()).toBeUndefined();
  });

  it('decodes UTF-8 characters split at every byte', () => {
    const input = Buffer.from('héllo wörld 日本 🎉\n');
    for (const pieces of splits(input)) {
      expect(frame(pieces)).toEqual(['héllo wörld 日本 🎉']);
    }
  });

  it('turns invalid UTF-8 into U+FFFD instead of throwing', () => {
    expect(frame([Buffer.from([0x61, 0xc3, 0x28, 0x0a])])).toEqual(['a\uFFFD(']);
  });

  it('strips telnet negotiation split at every byte', () => {
    const input = Buffer.concat([
      Buffer.from([0xff, 0xfd, 0x01]), // IAC DO ECHO
      Buffer.from('hi'),
      Buffer.from([0xff, 0xfa, 0x18, 0x00, 0x41, 0xff, 0xf0]), // IAC SB TTYPE ... IAC SE
      Buffer.from(' there'),
      Buffer.from([0xff, 0xf4]), // IAC IP
      Buffer.from('\r\n'),
    ]);
    for (const pieces of splits(input)) {
      expect(frame(pieces)).toEqual(['hi there']);
    }
  });

  it('accepts a line of exactly the cap, with LF or CRLF', () => {
    const line = 'x'.repeat(16);
    expect(frame([Buffer.from(`${line}\n`)], 16)).toEqual([line]);
    for (const pieces of splits(Buffer.from(`${line}\r\n`))) {
      expect(frame(pieces, 16)).toEqual([line]);
    }
  });

  it('refuses a line one byte over the cap once and goes on with the next', () => {
    const input = Buffer.from(`${'y'.repeat(17)}\r\nnext\n`);
    for (const pieces of splits(input)) {
      expect(frame(pieces, 16)).toEqual([LINE_TOO_LONG, 'next']);
    }
  });

  it('discards an endless line without buffering it', () => {
    const framer = new LineFramer(8192);
    const out: Out[] = [];
    const kib = Buffer.alloc(1024, 0x61);
    for (let i = 0; i < 1024; i++) {
      framer.push(kib);
      out.push(...drain(framer));
      expect(framer.pendingBytes).toBeLessThanOrEqual(8193);
    }
    framer.push(Buffer.from('tail of the long line\nok\n'));
    out.push(...drain(framer));
    expect(out).toEqual([LINE_TOO_LONG, 'ok']);
  });

  it('leaves the rest of a chunk in place when the consumer stops pulling', () => {
    const framer = new LineFramer();
    framer.push(Buffer.from('one\ntwo\nthr'));
    expect(framer.next()).toBe('one');
    framer.push(Buffer.from('ee\n'));
    expect(drain(framer)).toEqual(['two', 'three']);
  });
});
