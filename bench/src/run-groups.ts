import type { RunResult } from './run-result.js';
import type { ScenarioId, TargetId, Transport } from './scenarios.js';

/** The repetitions of one scenario × transport × target, in run order. */
export interface RunGroup {
  scenario: ScenarioId;
  transport: Transport;
  target: TargetId;
  runs: RunResult[];
}

/** Groups runs by scenario × transport × target, in order of first appearance. */
export function groupRuns(results: ReadonlyArray<RunResult>): RunGroup[] {
  const groups = new Map<string, RunGroup>();
  for (const r of results) {
    const key = `${r.scenario}|${r.transport}|${r.target}`;
    let group = groups.get(key);
    if (group === undefined) {
      group = { scenario: r.scenario, transport: r.transport, target: r.target, runs: [] };
      groups.set(key, group);
    }
    group.runs.push(r);
  }
  return [...groups.values()];
}

/** The lower median (an actual sample, so a table row stays one real run); null if empty. */
export function median(values: ReadonlyArray<number>): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/**
 * The run that stands for a group: the successful run whose `value` is the median, so
 * every figure in its row comes from one real run. Falls back to the first run.
 */
export function representative(group: RunGroup, value: (r: RunResult) => number | null): RunResult {
  const scored = group.runs
    .filter((r) => r.status === 'ok')
    .map((r) => ({ r, v: value(r) }))
    .filter((s): s is { r: RunResult; v: number } => s.v !== null);
  const mid = median(scored.map((s) => s.v));
  return scored.find((s) => s.v === mid)?.r ?? group.runs[0]!;
}
