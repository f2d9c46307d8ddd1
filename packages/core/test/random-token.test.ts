import { describe, expect, it } from 'vitest';
import { randomToken } from '../src/random-token.js';

describe('randomToken', () => {
  it('is 32 lowercase hex digits', () => {
    for (let i = 0; i < 100; i++) expect(randomToken()).toMatch(/^[0-9a-f]{32}$/);
  });

  it('never repeats and uses every digit in every position', () => {
    const tokens = Array.from({ length: 2000 }, () => randomToken());
    expect(new Set(tokens).size).toBe(tokens.length);
    for (let position = 0; position < 32; position++) {
      const digits = new Set(tokens.map((token) => token[position]));
      expect(digits.size, `position ${position}`).toBe(16);
    }
  });
});
