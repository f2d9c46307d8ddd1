import { execFileSync } from 'node:child_process';

/**
 * Pins every thread of `pid` to one CPU (taskset -a -p). Threads started later inherit it.
 * Returns false if taskset is missing or refused.
 */
export function pinToCpu(pid: number, cpu: number): boolean {
  try {
    execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
