import { describe, expect, it } from 'vitest';
import { makePayload } from '../src/payload.js';
import { PayloadScanner } from '../src/payload-scanner.js';

const stream = Buffer.from(
  [
    '* welcome, you are user3.',
    `[user1]: ${makePayload('m', 0, 0, 100)}`,
    '* user9 joined the chat',
    `[user1]: ${makePayload('m', 0, 1, 200)}`,
    `[user2]: ${makePayload('w', 1, 17, 300)}`,
    '[user5]: #b: not a payload',
    `[user1]: ${makePayload('m', 0, 2, 400)}`,
    '',
  ].join('\n'),
);
const expected = [
  { phase: 'm', sender: 0, id: 0, sentMicros: 100 },
  { phase: 'm', sender: 0, id: 1, sentMicros: 200 },
  { phase: 'w', sender: 1, id: 17, sentMicros: 300 },
  { phase: 'm', sender: 0, id: 2, sentMicros: 400 },
];

function scan(chunks: Buffer[]) {
  const scanner = new PayloadScanner();
  const seen: object[] = [];
  for (const chunk of chunks) scanner.push(chunk, (p) => seen.push({ ...p }));
  return seen;
}

describe('payload-scanner > PayloadScanner', () => {
  it('finds every payload in one chunk, skipping other lines and a fake marker', () => {
    expect(scan([stream])).toEqual(expected);
  });

  it('finds the same payloads when the stream is split at any byte', () => {
    for (let cut = 1; cut < stream.length; cut++) {
      expect(scan([stream.subarray(0, cut), stream.subarray(cut)])).toEqual(expected);
    }
  });

  it('finds the same payloads when every byte arrives alone', () => {
    const bytes = Array.from(stream, (_, i) => stream.subarray(i, i + 1));
    expect(scan(bytes)).toEqual(expected);
  });

  it('does not keep the caller’s chunk: a reused read buffer cannot corrupt a cut header', () => {
    const scanner = new PayloadScanner();
    const seen: object[] = [];
    const shared = Buffer.alloc(stream.length);
    const cut = stream.indexOf('#b:') + 5;
    stream.copy(shared, 0, 0, cut);
    scanner.push(shared.subarray(0, cut), (p) => seen.push({ ...p }));
    shared.fill(0x7a);
    stream.copy(shared, 0, cut);
    scanner.push(shared.subarray(0, stream.length - cut), (p) => seen.push({ ...p }));
    expect(seen).toEqual(expected);
  });
});
