import { describe, expect, it } from 'vitest';
import { codePointLength, prepareMessageText, sanitizeText } from '../src/index.js';

describe('text > sanitizeText', () => {
  it('leaves ordinary text, tabs and emoji alone', () => {
    expect(sanitizeText('hello\tworld 😀 héllo')).toBe('hello\tworld 😀 héllo');
  });

  it('removes CSI, OSC and two-byte escape sequences with their parameters', () => {
    expect(sanitizeText('\x1b[2J\x1b[1;1Hhi\x1b[0m')).toBe('hi');
    expect(sanitizeText('a\x1b]0;title\x07b')).toBe('ab');
    expect(sanitizeText('a\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\b')).toBe('alinkb');
    expect(sanitizeText('a\x1bcb')).toBe('ab');
    expect(sanitizeText('a\x9b31mb')).toBe('ab');
  });

  it('removes C0 (except tab), DEL and C1 controls', () => {
    expect(sanitizeText('a\x00b\x07c\rd\ne\x7ff\x85g\x9fh')).toBe('abcdefgh');
  });

  it('replaces lone surrogates with U+FFFD', () => {
    expect(sanitizeText('a\ud800b')).toBe('a\ufffdb');
  });
});

describe('text > prepareMessageText', () => {
  it('accepts exactly the limit and refuses one more with too_long', () => {
    expect(prepareMessageText('x'.repeat(4000), 4000)).toHaveLength(4000);
    expect(() => prepareMessageText('x'.repeat(4001), 4000)).toThrow(
      expect.objectContaining({ code: 'too_long' }),
    );
  });

  it('counts characters, not UTF-16 units', () => {
    const emoji = '😀'.repeat(4000);
    expect(codePointLength(emoji)).toBe(4000);
    expect(prepareMessageText(emoji, 4000)).toBe(emoji);
  });

  it('ignores empty and whitespace-only text', () => {
    expect(prepareMessageText('', 10)).toBeNull();
    expect(prepareMessageText(' \t ', 10)).toBeNull();
    expect(prepareMessageText('\x1b[2J', 10)).toBeNull();
  });
});

describe('text > invisible and reordering characters', () => {
  it('removes bidi overrides, embeddings, isolates and marks (Trojan Source)', () => {
    expect(sanitizeText('L\u202Eexe.txt')).toBe('Lexe.txt');
    expect(sanitizeText('a\u202Ab\u202Bc\u202Cd\u202De')).toBe('abcde');
    expect(sanitizeText('\u2066a\u2067b\u2068c\u2069\u200E\u200F\u061C')).toBe('abc');
  });

  it('removes zero-width space, non-joiner, joiner, word joiner and BOM between Latin letters', () => {
    expect(sanitizeText('a\u200Bb\u200Cc\u200Dd\u2060e\uFEFFf')).toBe('abcdef');
  });

  it('turns line and paragraph separators into spaces', () => {
    expect(sanitizeText('one\u2028two\u2029three')).toBe('one two three');
  });

  it('keeps ZWJ inside emoji sequences, with skin tones and VS16', () => {
    for (const emoji of ['👩\u200D💻', '👩🏽\u200D🚀', '❤\uFE0F\u200D🔥', '👨\u200D👩\u200D👧']) {
      expect(sanitizeText(emoji)).toBe(emoji);
    }
    // A ZWJ after an emoji but before a letter is not part of a sequence.
    expect(sanitizeText('👍\u200Dx')).toBe('👍x');
  });

  it('keeps ZWNJ and ZWJ between letters of scripts that spell with them', () => {
    const persian = 'می\u200Cخواهم';
    const devanagari = 'क्\u200Dष';
    expect(sanitizeText(persian)).toBe(persian);
    expect(sanitizeText(devanagari)).toBe(devanagari);
  });
});
