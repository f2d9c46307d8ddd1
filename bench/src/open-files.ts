import { execFileSync } from 'node:child_process';
import { readOpenFileLimit } from './proc-stats.js';

/** Descriptors a process needs beyond its sockets (stdio, epoll, libuv, files). */
export const SPARE_DESCRIPTORS = 512;

/**
 * Makes sure process `pid` may open `needed` descriptors, raising its soft (and if allowed its
 * hard) limit with prlimit(1). Returns the soft limit now in force.
 */
export function ensureOpenFiles(pid: number, needed: number): number {
  const limit = readOpenFileLimit(pid);
  if (limit.soft >= needed) return limit.soft;
  const attempts =
    limit.hard >= needed
      ? [`${needed}:${limit.hard}`]
      : [`${needed}:${needed}`, `${limit.hard}:${limit.hard}`];
  for (const nofile of attempts) {
    try {
      execFileSync('prlimit', ['--pid', String(pid), `--nofile=${nofile}`], { stdio: 'ignore' });
      break;
    } catch {
      // not allowed or no prlimit: try the next, weaker request
    }
  }
  return readOpenFileLimit(pid).soft;
}
