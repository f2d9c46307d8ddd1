import { describe, expect, it } from 'vitest';
import { idleFigures } from '../src/run-scenario.js';

describe('run-scenario > idleFigures', () => {
  const readings = {
    baselineRssKb: 50_000,
    rssKbAt3s: 90_000,
    rssKbAtQuiet: 80_000,
    rssKb: 60_000,
    connections: 1000,
    settled: true,
    settleS: 2,
    heldS: 40,
  };

  it('divides the growth over the idle baseline by the connections held, at 3 s and after the hold', () => {
    expect(idleFigures(readings)).toMatchObject({ kbPerConnectionAt3s: 40, kbPerConnection: 10 });
  });

  it('is zero per connection when nothing was held', () => {
    expect(idleFigures({ ...readings, connections: 0 })).toMatchObject({
      kbPerConnectionAt3s: 0,
      kbPerConnection: 0,
    });
  });
});
