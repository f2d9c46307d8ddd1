import { describe, expect, it } from 'vitest';
import { type CpuProfile, topSelfTime } from '../src/profile-summary.js';

const frame = (id: number, functionName: string, url = '', lineNumber = 0) => ({
  id,
  callFrame: { functionName, url, lineNumber },
});

// idle 6 ms, hot 3 ms, cold 1 ms.
const profile: CpuProfile = {
  nodes: [frame(1, '(idle)'), frame(2, 'hot', 'file:///x/a.js', 9), frame(3, 'cold')],
  samples: [1, 2, 1, 2, 3, 1, 2, 1, 1, 1],
  timeDeltas: [1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000],
};

describe('profile summary', () => {
  it('ranks functions by self time, with the source line', () => {
    const top = topSelfTime(profile, 2);
    expect(top.map((f) => [f.name, f.ms, f.percent])).toEqual([
      ['(idle)', 6, 60],
      ['hot', 3, 30],
    ]);
    expect(top[1]!.where).toMatch(/a\.js:10$/);
  });

  it('leaves idle time out and gives shares of the busy time when asked', () => {
    const top = topSelfTime(profile, 10, true);
    expect(top.map((f) => [f.name, f.percent])).toEqual([
      ['hot', 75],
      ['cold', 25],
    ]);
  });
});
