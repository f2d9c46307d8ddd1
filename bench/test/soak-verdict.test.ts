import { describe, expect, it } from 'vitest';
import {
  CI_SOAK_SECONDS,
  DEFAULT_SOAK_SECONDS,
  parseSoakArgs,
  SOAK_BOUNDS,
  soakVerdict,
} from '../src/soak-verdict.js';

const MB = 1024 * 1024;
const start = { rssBytes: 100 * MB, heapUsedBytes: 20 * MB, openFds: 40 };

describe('soak > parseSoakArgs', () => {
  it('defaults to 5 minutes; --ci is 30 s; --seconds N', () => {
    expect(parseSoakArgs([])).toEqual({ seconds: DEFAULT_SOAK_SECONDS });
    expect(DEFAULT_SOAK_SECONDS).toBe(300);
    expect(parseSoakArgs(['--ci'])).toEqual({ seconds: CI_SOAK_SECONDS });
    expect(CI_SOAK_SECONDS).toBe(30);
    expect(parseSoakArgs(['--seconds', '7'])).toEqual({ seconds: 7 });
  });

  it('refuses bad input with a clear error', () => {
    expect(() => parseSoakArgs(['--seconds'])).toThrow(/got nothing/);
    expect(() => parseSoakArgs(['--seconds', '0'])).toThrow(/1 to 86400/);
    expect(() => parseSoakArgs(['--seconds', '1.5'])).toThrow(/whole number/);
    expect(() => parseSoakArgs(['--fast'])).toThrow(/unknown argument --fast/);
  });
});

describe('soak > soakVerdict', () => {
  it('passes figures within the bounds', () => {
    const end = {
      rssBytes: start.rssBytes + SOAK_BOUNDS.rssGrowthBytes,
      heapUsedBytes: start.heapUsedBytes + SOAK_BOUNDS.heapGrowthBytes,
      openFds: start.openFds + SOAK_BOUNDS.fdGrowth,
    };
    expect(soakVerdict(start, end, 0, true)).toEqual({ ok: true, failures: [] });
  });

  it('fails on a lost message, a dead server, and each figure past its bound', () => {
    const end = {
      rssBytes: start.rssBytes + SOAK_BOUNDS.rssGrowthBytes + 1,
      heapUsedBytes: start.heapUsedBytes + SOAK_BOUNDS.heapGrowthBytes + 1,
      openFds: start.openFds + SOAK_BOUNDS.fdGrowth + 1,
    };
    const verdict = soakVerdict(start, end, 3, false);
    expect(verdict.ok).toBe(false);
    expect(verdict.failures).toEqual([
      'server exited during the soak',
      '3 messages lost (must be 0)',
      'open fds grew by 21 (bound +20)',
      'RSS grew by 64.0 MB (bound 64 MB)',
      'heap after GC grew by 32.0 MB (bound 32 MB)',
    ]);
    expect(soakVerdict(start, start, 1, true).failures).toEqual(['1 messages lost (must be 0)']);
  });
});
