/**
 * `node bench/dist/profile-summary.js FILE.cpuprofile [N]`: the N functions with the most
 * self time in a V8 CPU profile (as written by `npm run bench -- --profile DIR`).
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  name: string;
  where: string;
  ms: number;
  percent: number;
}

/** V8's pseudo-frame for time the thread slept (waiting for I/O): not work. */
const IDLE = '(idle)';

/**
 * Self time per function (name + file + line), largest first. With `busyOnly`, the `(idle)`
 * pseudo-frame is left out and percentages are of the time the process was busy.
 */
export function topSelfTime(profile: CpuProfile, limit: number, busyOnly = false): SelfTime[] {
  const frames = new Map<number, ProfileNode['callFrame']>();
  for (const node of profile.nodes) frames.set(node.id, node.callFrame);
  const totals = new Map<string, { name: string; where: string; micros: number }>();
  let all = 0;
  profile.samples.forEach((id, i) => {
    const micros = profile.timeDeltas[i] ?? 0;
    const frame = frames.get(id);
    if (frame === undefined) return;
    if (busyOnly && frame.functionName === IDLE) return;
    all += micros;
    const url = frame.url.replace(/^file:\/\//, '');
    const where = url === '' ? '' : `${relative(process.cwd(), url)}:${frame.lineNumber + 1}`;
    const key = `${frame.functionName}@${where}`;
    const entry = totals.get(key) ?? {
      name: frame.functionName || '(anonymous)',
      where,
      micros: 0,
    };
    entry.micros += micros;
    totals.set(key, entry);
  });
  return [...totals.values()]
    .sort((a, b) => b.micros - a.micros)
    .slice(0, limit)
    .map((e) => ({
      name: e.name,
      where: e.where,
      ms: e.micros / 1000,
      percent: (100 * e.micros) / all,
    }));
}

if (process.argv[1]?.endsWith('profile-summary.js')) {
  const [file, count] = process.argv.slice(2);
  if (file === undefined) {
    process.stderr.write('usage: node bench/dist/profile-summary.js FILE.cpuprofile [N]\n');
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  for (const row of topSelfTime(profile, Number(count ?? 25))) {
    process.stdout.write(
      `${row.percent.toFixed(1).padStart(5)}%  ${row.ms.toFixed(0).padStart(7)} ms  ${row.name}  ${row.where}\n`,
    );
  }
}
