import { describe, expect, it } from 'vitest';
import { keyValue } from '../src/checks.js';
import { groupRuns, median, representative } from '../src/run-groups.js';
import { result, server } from './helpers.js';

describe('run-groups > median', () => {
  it('is the middle sample, the lower one for an even count, null for none', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2);
    expect(median([5])).toBe(5);
    expect(median([])).toBeNull();
  });
});

describe('run-groups > groupRuns / representative', () => {
  const runs = [
    result('efficiency', 'ws', 'chatgate', { repetition: 1, server: server(9) }),
    result('efficiency', 'ws', 'raw-ws', { repetition: 1, server: server(5) }),
    result('efficiency', 'ws', 'chatgate', { repetition: 2, server: server(7) }),
    result('efficiency', 'ws', 'raw-ws', { repetition: 2, status: 'failed', error: 'x' }),
    result('efficiency', 'ws', 'chatgate', { repetition: 3, server: server(8) }),
  ];

  it('groups repetitions by scenario, transport and target in first-seen order', () => {
    const groups = groupRuns(runs);
    expect(groups.map((g) => [g.target, g.runs.map((r) => r.repetition)])).toEqual([
      ['chatgate', [1, 2, 3]],
      ['raw-ws', [1, 2]],
    ]);
  });

  it('picks the successful run holding the median key figure', () => {
    const [cg, raw] = groupRuns(runs);
    expect(representative(cg!, keyValue).repetition).toBe(3);
    expect(representative(raw!, keyValue).repetition).toBe(1);
  });

  it('falls back to the first run when none succeeded', () => {
    const failed = groupRuns([
      result('latency', 'line', 'raw-net', { repetition: 1, status: 'failed' }),
      result('latency', 'line', 'raw-net', { repetition: 2, status: 'failed' }),
    ]);
    expect(representative(failed[0]!, keyValue).repetition).toBe(1);
  });
});
