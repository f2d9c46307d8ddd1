import { describe, expect, it } from 'vitest';
import { LineSplitter, MAX_LINE_CHARS } from '../src/transports/line-splitter.js';

describe('LineSplitter', () => {
  it('splits \\n and \\r\\n lines, at every byte boundary, keeping UTF-8 intact', () => {
    const bytes = Buffer.from('[bob]: héllo 👋\r\n* users: a, b\n[x]: y\n');
    for (let cut = 0; cut <= bytes.length; cut++) {
      const splitter = new LineSplitter();
      const lines = [
        ...splitter.push(bytes.subarray(0, cut)),
        ...splitter.push(bytes.subarray(cut)),
      ];
      expect(lines).toEqual(['[bob]: héllo 👋', '* users: a, b', '[x]: y']);
    }
  });

  it('keeps a partial line until its newline arrives', () => {
    const splitter = new LineSplitter();
    expect(splitter.push(Buffer.from('abc'))).toEqual([]);
    expect(splitter.push(Buffer.from('def\ng'))).toEqual(['abcdef']);
    expect(splitter.push(Buffer.from('\n'))).toEqual(['g']);
  });

  it('cuts a runaway line instead of buffering it whole', () => {
    const splitter = new LineSplitter();
    const chunk = Buffer.from('x'.repeat(16 * 1024));
    for (let i = 0; i < 10; i++) expect(splitter.push(chunk)).toEqual([]);
    const [line, next] = splitter.push(Buffer.from('tail\nnext\n'));
    expect(line).toHaveLength(MAX_LINE_CHARS);
    expect(next).toBe('next');
  });
});
