import { type Check, keyValue } from './checks.js';
import { groupRuns, representative } from './run-groups.js';
import type { RunResult } from './run-result.js';

export type Align = 'left' | 'right';

/** A plain-text table: padded columns, a rule under the header. */
export function renderTable(
  headers: ReadonlyArray<string>,
  rows: ReadonlyArray<ReadonlyArray<string>>,
  align: ReadonlyArray<Align>,
): string {
  const widths = headers.map((h, c) =>
    Math.max(h.length, ...rows.map((row) => (row[c] ?? '').length)),
  );
  const line = (cells: ReadonlyArray<string>) =>
    widths
      .map((w, c) => {
        const cell = cells[c] ?? '';
        return align[c] === 'right' ? cell.padStart(w) : cell.padEnd(w);
      })
      .join('  ')
      .trimEnd();
  return [line(headers), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const DASH = '–';

/** A number with thousands separators and a fixed number of decimals; dash when absent. */
export function formatNumber(value: number | null | undefined, decimals = 0): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return DASH;
  return value.toLocaleString('en-US', {
    minimumFractionDigits: decimals,
    maximumFractionDigits: decimals,
  });
}

/** A value and, when runs disagreed, their range: `6.00 (5.80–6.30)`. */
export function formatWithRange(
  value: number | null,
  range: [number, number] | null,
  decimals: number,
): string {
  const text = formatNumber(value, decimals);
  if (range === null || formatNumber(range[0], decimals) === formatNumber(range[1], decimals)) {
    return text;
  }
  return `${text} (${formatNumber(range[0], decimals)}–${formatNumber(range[1], decimals)})`;
}

/** `1.23×`; dash when either side is missing. */
export function formatRatio(ratio: number | null): string {
  return ratio === null || !Number.isFinite(ratio) ? DASH : `${ratio.toFixed(2)}×`;
}

const RESULT_HEADERS = [
  'scenario',
  'transport',
  'target',
  'runs',
  'conns',
  'deliv/s',
  'p50 ms',
  'p99 ms',
  'max ms',
  'lost',
  'srv CPU s',
  'µs/deliv',
  'usr µs/d',
  'srv RSS MB',
  'KB/conn',
  'KB@3s',
  'joined s',
  'gen CPU %',
  'lag ms',
];
const RESULT_ALIGN: Align[] = ['left', 'left', 'left', ...Array<Align>(16).fill('right')];

/** The user-mode share of server CPU per delivery: the part chatgate's own code decides. */
function userMicrosPerDelivery(r: RunResult): number | null {
  if (r.server === null || r.deliveries === 0 || r.server.cpuUsPerDelivery === null) return null;
  return (r.server.cpuUserS * 1e6) / r.deliveries;
}

/**
 * One row per scenario × transport × target: the run with the median key figure (see
 * `keyValue`), so each row is one real run; `runs` counts successful of all.
 */
export function renderResults(results: ReadonlyArray<RunResult>): string {
  const rows = groupRuns(results).map((group) => {
    const r = representative(group, keyValue);
    const ok = group.runs.filter((run) => run.status === 'ok').length;
    const runs = ok === group.runs.length ? String(ok) : `${ok}/${group.runs.length}`;
    const head = [r.scenario, r.transport, r.targetLabel, runs, formatNumber(r.connections)];
    if (r.status === 'skipped') return [...head, 'skipped'];
    if (r.status !== 'ok') return [...head, 'FAILED'];
    const loaded = r.latency !== null;
    return [
      ...head,
      loaded ? formatNumber(r.deliveriesPerSec) : DASH,
      formatNumber(r.latency?.p50Ms, 2),
      formatNumber(r.latency?.p99Ms, 2),
      formatNumber(r.latency?.maxMs, 1),
      loaded ? formatNumber(r.loss?.lost) : DASH,
      formatNumber(r.server?.cpuS, 2),
      formatNumber(r.server?.cpuUsPerDelivery, 2),
      formatNumber(userMicrosPerDelivery(r), 2),
      formatNumber(r.server?.rssMb, 1),
      formatNumber(r.idle?.kbPerConnection, 1),
      formatNumber(r.idle?.kbPerConnectionAt3s, 1),
      formatNumber(r.storm?.joinedS, 2),
      formatNumber(r.generator?.cpuPercent, 0),
      formatNumber(r.benchLagMs?.max, 0),
    ];
  });
  return renderTable(RESULT_HEADERS, rows, RESULT_ALIGN);
}

const CHECK_HEADERS = ['check', 'metric', 'chatgate', 'raw', 'ratio', 'target', 'verdict'];
const CHECK_ALIGN: Align[] = ['left', 'left', 'right', 'right', 'right', 'left', 'left'];

export function renderChecks(checks: ReadonlyArray<Check>): string {
  const decimals = (c: Check) =>
    c.metric.startsWith('deliveries') || c.scenario === 'mixed-room' ? 0 : 2;
  const rows = checks.map((c) => [
    `${c.scenario} ${c.transport}`,
    c.metric,
    formatWithRange(c.chatgate, c.chatgateRange, decimals(c)),
    formatWithRange(c.raw, c.rawRange, decimals(c)),
    formatRatio(c.ratio),
    c.target,
    c.verdict === 'pass' || c.verdict === 'info'
      ? c.verdict
      : `${c.verdict.toUpperCase()}${c.reason ? ` (${c.reason})` : ''}`,
  ]);
  return renderTable(CHECK_HEADERS, rows, CHECK_ALIGN);
}

/** Errors and notes under the tables, one line each. */
export function renderNotes(results: ReadonlyArray<RunResult>): string[] {
  const lines: string[] = [];
  for (const r of results) {
    const run = r.repetition > 1 ? ` (run ${r.repetition})` : '';
    const name = `${r.scenario} ${r.transport} ${r.targetLabel}${run}`;
    if (r.status === 'skipped') lines.push(`${name}: skipped: ${r.error}`);
    else if (r.error !== null) lines.push(`${name}: FAILED: ${r.error}`);
    if (r.latencyByTransport !== null) {
      const parts = Object.entries(r.latencyByTransport)
        .filter(([, l]) => l.count > 0)
        .map(([t, l]) => `${t} ${formatNumber(l.p50Ms, 2)}/${formatNumber(l.p99Ms, 2)}`);
      lines.push(`${name}: p50/p99 ms by receiver transport: ${parts.join(', ')}`);
    }
    for (const note of r.notes) lines.push(`${name}: ${note}`);
  }
  return lines;
}
