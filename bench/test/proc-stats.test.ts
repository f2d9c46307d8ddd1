import { describe, expect, it } from 'vitest';
import {
  cpuSince,
  parseStatTicks,
  parseStatusKb,
  readCpu,
  readMemory,
  readOpenFileLimit,
} from '../src/proc-stats.js';
import { listeningPid, parseListening } from '../src/server-process.js';

describe('proc-stats > parseStatTicks', () => {
  it('reads utime and stime after a command name holding spaces and parentheses', () => {
    const stat =
      '4242 (node (a) b) S 1 4242 4242 0 -1 4194560 1000 0 0 0 731 266 0 0 20 0 11 0 100 0 0';
    expect(parseStatTicks(stat)).toEqual({ user: 731, system: 266 });
  });

  it('throws on a line it cannot read', () => {
    expect(() => parseStatTicks('garbage')).toThrow(/unexpected/);
  });
});

describe('proc-stats > parseStatusKb', () => {
  const status = 'Name:\tnode\nVmPeak:\t 999 kB\nVmHWM:\t   81234 kB\nVmRSS:\t   70000 kB\n';

  it('reads VmRSS and VmHWM in KiB', () => {
    expect(parseStatusKb(status, 'VmRSS')).toBe(70000);
    expect(parseStatusKb(status, 'VmHWM')).toBe(81234);
  });

  it('throws when the field is missing', () => {
    expect(() => parseStatusKb('Name:\tnode\n', 'VmRSS')).toThrow(/VmRSS/);
  });
});

describe('proc-stats > live /proc readings of this process', () => {
  it('reads CPU, memory and the open-file limit', () => {
    const before = readCpu(process.pid);
    const memory = readMemory(process.pid);
    const after = readCpu(process.pid);
    const used = cpuSince(before, after);
    expect(used.total).toBeCloseTo(used.user + used.system, 6);
    expect(used.total).toBeGreaterThanOrEqual(0);
    expect(memory.rssKb).toBeGreaterThan(1000);
    expect(memory.peakRssKb).toBeGreaterThanOrEqual(memory.rssKb);
    expect(readOpenFileLimit().soft).toBeGreaterThan(0);
  });
});

describe('server-process > parseListening', () => {
  it('reads the ports of the listening line', () => {
    expect(
      parseListening('{"level":30,"msg":"listening","ports":{"http":8080,"line":0,"gt":"off"}}'),
    ).toEqual({
      http: 8080,
    });
  });

  it.each([
    '{"msg":"started"}',
    'listening on 8080',
    '{"msg":"listening"',
    '{"msg":"listening","ports":null}',
  ])('ignores %j', (line) => {
    expect(parseListening(line)).toBeNull();
  });
});

describe('server-process > listeningPid', () => {
  it('names the daemon a launcher started, and nothing for other lines', () => {
    expect(listeningPid('{"msg":"listening","ports":{"line":6667},"pid":4242}')).toBe(4242);
    expect(listeningPid('{"msg":"listening","ports":{"line":6667}}')).toBeNull();
    expect(listeningPid('{"msg":"listening","pid":"4242"}')).toBeNull();
    expect(listeningPid('{"msg":"listening","pid":-1}')).toBeNull();
    expect(listeningPid('not json')).toBeNull();
  });
});
