import { describe, expect, it } from 'vitest';
import { ReceiverTally, summarizeLoss } from '../src/receiver-tally.js';

describe('receiver-tally > ReceiverTally', () => {
  it('counts each rising id once per sender', () => {
    const tally = new ReceiverTally(2);
    expect([0, 1, 2].map((id) => tally.record(0, id))).toEqual([true, true, true]);
    expect(tally.record(1, 0)).toBe(true);
    expect(tally.received).toBe(4);
    expect(tally.hasSeen(0, 2)).toBe(true);
    expect(tally.hasSeen(1, 1)).toBe(false);
  });

  it('counts a repeat as a duplicate and a smaller id as out of order, neither as received', () => {
    const tally = new ReceiverTally(1);
    tally.record(0, 0);
    tally.record(0, 2);
    expect(tally.record(0, 2)).toBe(false);
    expect(tally.record(0, 1)).toBe(false);
    expect(tally).toMatchObject({ received: 2, duplicates: 1, outOfOrder: 1 });
  });

  it('ignores a sender index it was not sized for', () => {
    const tally = new ReceiverTally(1);
    expect(tally.record(5, 0)).toBe(false);
    expect(tally.received).toBe(0);
  });
});

describe('receiver-tally > summarizeLoss', () => {
  it('expects every receiver to get every message of every sender', () => {
    const a = new ReceiverTally(2);
    const b = new ReceiverTally(2);
    for (let id = 0; id < 3; id++) {
      a.record(0, id);
      b.record(0, id);
    }
    a.record(1, 0);
    a.record(1, 1);
    b.record(1, 1); // b missed sender 1's id 0
    b.record(1, 1);
    expect(summarizeLoss([a, b], [3, 2])).toEqual({
      expected: 10,
      received: 9,
      lost: 1,
      duplicates: 1,
      outOfOrder: 0,
    });
  });

  it('reports no loss when nothing was sent', () => {
    expect(summarizeLoss([new ReceiverTally(1)], [0])).toMatchObject({ expected: 0, lost: 0 });
  });
});
