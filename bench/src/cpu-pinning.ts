import { execFileSync } from 'node:child_process';

/**
 * Whether a run pins the server and the load generator to CPUs of their own. By default it
 * does wherever there are two CPUs: left to the scheduler, the two processes sometimes share
 * one core and sometimes run side by side, and the same server's CPU cost differs by up to
 * half between the two, raw baselines included (bench/README.md, "Placement").
 */
export function shouldPin(requested: boolean | null, cpus: number): boolean {
  return requested ?? cpus >= 2;
}

/** How the processes were placed, for the report's header and JSON. */
export function describePlacement(pinned: boolean): string {
  return pinned ? 'server on CPU 0, load generator on CPU 1' : 'placed by the scheduler';
}

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
