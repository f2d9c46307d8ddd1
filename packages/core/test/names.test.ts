import { describe, expect, it } from 'vitest';
import { autoName, foldName, normalizeName, RESERVED_NAMES } from '../src/index.js';

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return 'accepted';
};

describe('names > normalizeName', () => {
  it('accepts letters, digits, _ - . in any script', () => {
    for (const name of ['alice', 'Bob_2', 'a.b-c', 'Zoë', 'Łukasz', '山田', 'x'.repeat(32)]) {
      expect(normalizeName(name)).toBe(name.normalize('NFC'));
    }
  });

  it('returns the NFC form', () => {
    const decomposed = 'Zoe\u0308';
    expect(normalizeName(decomposed)).toBe('Zoë');
  });

  it('refuses empty, too long, spaces, punctuation and symbols with name_invalid', () => {
    for (const name of ['', 'x'.repeat(33), 'a b', 'a!', 'a@b', 'a/b', '😀', ' alice']) {
      expect(codeOf(() => normalizeName(name))).toBe('name_invalid');
    }
  });

  it('refuses control characters and ANSI escapes with name_invalid', () => {
    for (const name of ['al\x1b[31mice', 'a\u0000b', 'a\tb', 'a\u009bb', 'a\u007f']) {
      expect(codeOf(() => normalizeName(name))).toBe('name_invalid');
    }
  });

  it('refuses non-strings with name_invalid', () => {
    expect(codeOf(() => normalizeName(42 as unknown as string))).toBe('name_invalid');
  });

  it('refuses every reserved name in any case with name_reserved', () => {
    for (const name of RESERVED_NAMES) {
      expect(codeOf(() => normalizeName(name))).toBe('name_reserved');
      expect(codeOf(() => normalizeName(name.toUpperCase()))).toBe('name_reserved');
    }
    expect(RESERVED_NAMES).toEqual(
      new Set(['system', 'server', 'all', 'people', 'everyone', 'exit', 'you']),
    );
  });
});

describe('names > foldName', () => {
  it('folds case and normalisation together', () => {
    expect(foldName('Alice')).toBe(foldName('aLICE'));
    expect(foldName('ZOË')).toBe(foldName('zoe\u0308'));
    expect(foldName('Straße')).toBe(foldName('STRASSE'));
  });

  it('keeps different names apart', () => {
    expect(foldName('alice')).not.toBe(foldName('alicia'));
  });
});

describe('names > autoName', () => {
  it('numbers users from the given counter', () => {
    expect(autoName(1)).toBe('user1');
    expect(autoName(12)).toBe('user12');
  });
});
