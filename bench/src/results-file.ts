import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Check } from './checks.js';
import type { MachineInfo } from './machine.js';
import type { RunResult } from './run-result.js';
import type { Mode, Scenario } from './scenarios.js';

export interface BenchReport {
  /** Bumped when the shape changes. */
  schema: 1;
  mode: Mode;
  startedAt: string;
  finishedAt: string;
  machine: MachineInfo;
  /** Whether the server and the load generator had a CPU each (cpu-pinning.ts). */
  placement: { pinned: boolean; description: string };
  chatgate: { label: string; command: string };
  method: Record<string, string>;
  scenarios: Scenario[];
  results: RunResult[];
  checks: Check[];
}

/** How the numbers were taken, stored with them. */
export const METHOD: Record<string, string> = {
  processes:
    'each target is its own child process; the load generator is another child; fresh processes per run',
  placement:
    'by default (2 CPUs or more) the server is pinned to CPU 0 and the load generator to CPU 1 with taskset, every thread, raw baselines alike; --no-pin leaves them to the scheduler',
  serverCpu:
    '/proc/<pid>/stat utime+stime of the server process (all threads) over the measured window',
  cpuPerDelivery: 'server CPU over the measured window ÷ receiver deliveries counted in it',
  serverRss: '/proc/<pid>/status VmRSS at the end of the run; peak is VmHWM',
  idleMemory:
    '(VmRSS after connecting and the server going quiet − VmRSS at idle before connecting) ÷ connections',
  latency:
    'send time embedded in the message (performance.now() µs of the generator, which holds senders and receivers); HDR histogram of arrival − send; measured from the actual send, not the schedule',
  loss: 'per receiver and sender, ids must rise; expected = receivers × measured messages; lost = expected − received',
  deliveries: 'receiver deliveries only (sender connections also receive but are not counted)',
  benchLag:
    'max event-loop delay of the otherwise idle bench parent during the window; large values mean the box stalled processes (contention, noisy host)',
};

/** Writes `<time>-<mode>.json` and `latest.json`; returns the timestamped path. */
export function writeReport(dir: string, report: BenchReport): string {
  mkdirSync(dir, { recursive: true });
  const stamp = report.startedAt.replace(/[:.]/g, '-');
  const file = join(dir, `${stamp}-${report.mode}.json`);
  const json = `${JSON.stringify(report, null, 2)}\n`;
  writeFileSync(file, json);
  writeFileSync(join(dir, 'latest.json'), json);
  return file;
}
