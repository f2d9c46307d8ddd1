import { describe, expect, it } from 'vitest';
import { describePlacement, shouldPin } from '../src/cpu-pinning.js';
import { DEFAULT_OUT_DIR, parseOptions } from '../src/options.js';
import { scenarios, targetsFor } from '../src/scenarios.js';

describe('options > parseOptions', () => {
  it('defaults to the full run of everything into bench/results', () => {
    expect(parseOptions([])).toEqual({
      mode: 'full',
      only: [],
      transports: [],
      outDir: DEFAULT_OUT_DIR,
      profileDir: null,
      pin: null,
      serverMain: null,
      repeat: undefined,
      help: false,
    });
    expect(DEFAULT_OUT_DIR).toMatch(/bench\/results\/$/);
  });

  it('reads quick mode, scenario and transport filters, and folders', () => {
    expect(
      parseOptions([
        '--quick',
        '--only',
        'latency,idle-memory',
        '--transport',
        'line',
        '--out',
        '/tmp/x',
        '--profile',
        '/tmp/p',
      ]),
    ).toMatchObject({
      mode: 'quick',
      only: ['latency', 'idle-memory'],
      transports: ['line'],
      outDir: '/tmp/x',
      profileDir: '/tmp/p',
    });
  });

  it('pins by request, leaves placement to the scheduler by request, and refuses both', () => {
    expect(parseOptions(['--pin']).pin).toBe(true);
    expect(parseOptions(['--no-pin']).pin).toBe(false);
    expect(() => parseOptions(['--pin', '--no-pin'])).toThrow(/contradict/);
  });

  it('refuses unknown scenarios and flags', () => {
    expect(() => parseOptions(['--only', 'speed'])).toThrow(/unknown scenario 'speed'/);
    expect(() => parseOptions(['--fast'])).toThrow();
  });
});

describe('cpu-pinning > shouldPin', () => {
  it('pins by default where there are two CPUs or more, and never against the flags', () => {
    expect(shouldPin(null, 2)).toBe(true);
    expect(shouldPin(null, 16)).toBe(true);
    expect(shouldPin(null, 1)).toBe(false);
    expect(shouldPin(false, 2)).toBe(false);
    expect(shouldPin(true, 1)).toBe(true);
    expect(describePlacement(true)).toBe('server on CPU 0, load generator on CPU 1');
    expect(describePlacement(false)).toBe('placed by the scheduler');
  });
});

describe('scenarios', () => {
  it('runs every transport against chatgate and its own ceiling, the mixed room against chatgate', () => {
    expect(targetsFor('ws')).toEqual(['chatgate', 'raw-ws']);
    expect(targetsFor('line')).toEqual(['chatgate', 'raw-net']);
    expect(targetsFor('mixed')).toEqual(['chatgate']);
  });

  it('keeps the documented target sizes in full mode', () => {
    const full = Object.fromEntries(scenarios('full').map((s) => [s.id, s]));
    expect(full.latency).toMatchObject({ senders: 1, receivers: 500, ratePerSender: 200 });
    expect(full.efficiency).toMatchObject({ senders: 1, receivers: 1000, ratePerSender: 200 });
    expect(full['closed-loop']).toMatchObject({ senders: 10, receivers: 100, load: 'closed' });
    expect(full['idle-memory']).toMatchObject({ connections: 10_000, load: 'idle' });
    expect(full['light-load']).toMatchObject({ senders: 1, receivers: 250, ratePerSender: 200 });
    // A shorter warm-up measures V8 optimizing chatgate's per-message path, not steady state.
    expect(full['light-load']?.warmupMs).toBeGreaterThanOrEqual(15_000);
    expect(full['join-storm']).toMatchObject({ connections: 5000, load: 'storm' });
    expect(full['mixed-room']?.mixed).toEqual({ ws: 100, line: 100, rpc: 10 });
  });
});
