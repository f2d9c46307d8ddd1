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
