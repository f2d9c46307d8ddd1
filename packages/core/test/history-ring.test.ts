import { describe, expect, it } from 'vitest';
import { HistoryRing } from '../src/history.js';
import type { MessageEvent } from '../src/index.js';

function message(seq: number): MessageEvent {
  return {
    kind: 'message',
    seq,
    ts: seq,
    senderId: 'n:1',
    sender: 'alice',
    content: `m${seq}`,
    agent: false,
  };
}

const seqs = (events: MessageEvent[]) => events.map((e) => e.seq);

describe('HistoryRing', () => {
  it('keeps the last `capacity` messages, oldest first, across many wrap-arounds', () => {
    const ring = new HistoryRing(3);
    expect(ring.recent()).toEqual([]);
    for (let seq = 1; seq <= 10; seq++) ring.push(message(seq));
    expect(ring.size).toBe(3);
    expect(seqs(ring.recent())).toEqual([8, 9, 10]);
  });

  it('returns the newest n when asked for fewer, and what it has when asked for more', () => {
    const ring = new HistoryRing(5);
    for (let seq = 1; seq <= 4; seq++) ring.push(message(seq));
    expect(seqs(ring.recent(2))).toEqual([3, 4]);
    expect(seqs(ring.recent(50))).toEqual([1, 2, 3, 4]);
    expect(ring.recent(0)).toEqual([]);
    expect(ring.recent(-3)).toEqual([]);
  });

  it('with capacity 0 keeps nothing', () => {
    const ring = new HistoryRing(0);
    ring.push(message(1));
    expect(ring.size).toBe(0);
    expect(ring.recent(10)).toEqual([]);
  });

  it('agrees with a plain array oracle for every capacity and count', () => {
    for (let capacity = 1; capacity <= 6; capacity++) {
      const ring = new HistoryRing(capacity);
      const all: number[] = [];
      for (let seq = 1; seq <= 20; seq++) {
        ring.push(message(seq));
        all.push(seq);
        for (let n = 0; n <= capacity + 1; n++) {
          const expected = all.slice(-Math.min(n, capacity)).slice(n === 0 ? all.length : 0);
          expect(seqs(ring.recent(n))).toEqual(expected);
        }
      }
    }
  });
});
