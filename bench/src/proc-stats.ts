import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Clock ticks per second for /proc/<pid>/stat times (getconf CLK_TCK; 100 on Linux). */
export const CLOCK_TICKS_PER_SECOND = readClockTicks();

function readClockTicks(): number {
  try {
    const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isFinite(ticks) && ticks > 0 ? ticks : 100;
  } catch {
    return 100;
  }
}

export interface CpuTicks {
  user: number;
  system: number;
}

/**
 * utime and stime in clock ticks from the text of /proc/<pid>/stat. The command name
 * (field 2) may hold spaces and parentheses, so fields are counted from the last `)`.
 */
export function parseStatTicks(stat: string): CpuTicks {
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); utime and stime are fields 14 and 15.
  const user = Number(rest[11]);
  const system = Number(rest[12]);
  if (!Number.isInteger(user) || !Number.isInteger(system)) {
    throw new Error(`unexpected /proc stat line: ${stat.slice(0, 80)}`);
  }
  return { user, system };
}

/** A `Vm*:` field of /proc/<pid>/status, in KiB (VmRSS: resident now, VmHWM: peak). */
export function parseStatusKb(status: string, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  if (match === null) throw new Error(`${field} missing from /proc status`);
  return Number(match[1]);
}

/** CPU seconds a process (all threads) has used so far, in user mode and in the kernel. */
export interface CpuSeconds {
  user: number;
  system: number;
  total: number;
}

export function readCpu(pid: number): CpuSeconds {
  const ticks = parseStatTicks(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  const user = ticks.user / CLOCK_TICKS_PER_SECOND;
  const system = ticks.system / CLOCK_TICKS_PER_SECOND;
  return { user, system, total: user + system };
}

/** CPU used between two readings. */
export function cpuSince(before: CpuSeconds, after: CpuSeconds): CpuSeconds {
  return {
    user: after.user - before.user,
    system: after.system - before.system,
    total: after.total - before.total,
  };
}

export interface MemorySample {
  rssKb: number;
  peakRssKb: number;
}

export function readMemory(pid: number): MemorySample {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return { rssKb: parseStatusKb(status, 'VmRSS'), peakRssKb: parseStatusKb(status, 'VmHWM') };
}

/** Soft and hard open-file limits of a process, from /proc/<pid>/limits. */
export function readOpenFileLimit(pid: number | 'self' = 'self'): { soft: number; hard: number } {
  const limits = readFileSync(`/proc/${pid}/limits`, 'utf8');
  const match = /^Max open files\s+(\S+)\s+(\S+)/m.exec(limits);
  const value = (s: string | undefined) =>
    s === undefined || s === 'unlimited' ? Infinity : Number(s);
  return { soft: value(match?.[1]), hard: value(match?.[2]) };
}
