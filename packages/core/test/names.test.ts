import { describe, expect, it } from 'vitest';
import { autoName, foldName, nameSkeleton, normalizeName, RESERVED_NAMES } from '../src/index.js';

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

describe('names > hostile names', () => {
  it('accepts names in scripts that spell with combining marks', () => {
    for (const name of ['देवनागरी', 'राम', 'தமிழ்', 'ประเทศ', 'Zoe\u0308', '田中さん', '홍길동']) {
      expect(normalizeName(name)).toBe(name.normalize('NFC'));
    }
  });

  it('refuses names without a letter or digit: ., .., -', () => {
    for (const name of ['.', '..', '-', '_', '._-']) {
      expect(codeOf(() => normalizeName(name))).toBe('name_invalid');
    }
  });

  it('removes invisible and bidi characters from names', () => {
    expect(normalizeName('ali\u200Bce')).toBe('alice');
    expect(normalizeName('\u202Ebob')).toBe('bob');
    expect(normalizeName('car\u200Dol\uFEFF')).toBe('carol');
    // Only invisible: nothing left.
    expect(codeOf(() => normalizeName('\u200B\u200D'))).toBe('name_invalid');
    expect(codeOf(() => normalizeName('\u3164'))).toBe('name_invalid');
  });

  it('refuses a mark first and stacked marks', () => {
    expect(codeOf(() => normalizeName('\u0301abc'))).toBe('name_invalid');
    expect(codeOf(() => normalizeName(`a${'\u0301'.repeat(8)}`))).toBe('name_invalid');
  });

  it('reserves look-alikes of reserved names', () => {
    // Cyrillic ѕ (U+0455), Greek ο, digit 1 for l, Cyrillic у.
    for (const name of ['ѕystem', 'ѕуѕtеm', 'systеm', 'serνer', 'a11', 'everyοne', 'yοu']) {
      expect(
        codeOf(() => normalizeName(name)),
        name,
      ).toBe('name_reserved');
    }
  });

  it('refuses names that mix scripts', () => {
    for (const name of ['pаypal', 'аlice', 'Δelta', 'abcгд']) {
      expect(
        codeOf(() => normalizeName(name)),
        name,
      ).toBe('name_invalid');
    }
    expect(() => normalizeName('pаypal')).toThrow(/mix scripts/);
    // Scripts written together stay allowed.
    for (const name of ['田中さん', 'Tokyo東京', '한국어漢字']) {
      expect(normalizeName(name)).toBe(name);
    }
  });
});

describe('names > nameSkeleton', () => {
  it('gives look-alikes one skeleton', () => {
    expect(nameSkeleton('paypal')).toBe(nameSkeleton('paypa1'));
    expect(nameSkeleton('alice')).toBe(nameSkeleton('aIice'));
    expect(nameSkeleton('system')).toBe(nameSkeleton('ѕystem'));
    expect(nameSkeleton('bob')).toBe(nameSkeleton('BOB'));
    expect(nameSkeleton('modern')).toBe(nameSkeleton('rnodern'));
  });

  it('keeps different names apart', () => {
    expect(nameSkeleton('alice')).not.toBe(nameSkeleton('alicia'));
    expect(nameSkeleton('bob')).not.toBe(nameSkeleton('rob'));
  });
});
