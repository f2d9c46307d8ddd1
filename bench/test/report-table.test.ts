import { describe, expect, it } from 'vitest';
import { buildChecks } from '../src/checks.js';
import {
  formatNumber,
  formatRatio,
  formatWithRange,
  renderChecks,
  renderNotes,
  renderResults,
  renderTable,
} from '../src/report-table.js';
import { latency, noLoss, result, server } from './helpers.js';

describe('report-table > renderTable', () => {
  it('pads columns, right-aligns numbers and rules the header', () => {
    const table = renderTable(
      ['name', 'n'],
      [
        ['a', '1'],
        ['bbb', '1,000'],
      ],
      ['left', 'right'],
    );
    expect(table.split('\n')).toEqual(['name      n', '────  ─────', 'a         1', 'bbb   1,000']);
  });
});

describe('report-table > formatNumber / formatRatio', () => {
  it.each([
    [1234567.8, 0, '1,234,568'],
    [12.3456, 2, '12.35'],
    [0, 1, '0.0'],
    [null, 2, '–'],
    [undefined, 0, '–'],
    [Number.NaN, 0, '–'],
    [Number.POSITIVE_INFINITY, 0, '–'],
  ])('formatNumber(%j, %j) is %j', (value, decimals, text) => {
    expect(formatNumber(value, decimals)).toBe(text);
  });

  it('adds the range of runs only when the runs disagreed at the shown precision', () => {
    expect(formatWithRange(6, [5.8, 6.3], 2)).toBe('6.00 (5.80–6.30)');
    expect(formatWithRange(6, [5.999, 6.001], 2)).toBe('6.00');
    expect(formatWithRange(6, null, 1)).toBe('6.0');
  });

  it('shows a ratio with two decimals and a times sign, or a dash', () => {
    expect(formatRatio(1.2345)).toBe('1.23×');
    expect(formatRatio(0.8)).toBe('0.80×');
    expect(formatRatio(null)).toBe('–');
  });
});

describe('report-table > renderResults / renderChecks / renderNotes', () => {
  const cg = result('efficiency', 'ws', 'chatgate', {
    connections: 1001,
    deliveries: 100_000,
    deliveriesPerSec: 99_500.4,
    latency: latency(8),
    loss: noLoss,
    server: server(6),
  });
  const raw = result('efficiency', 'ws', 'raw-ws', {
    connections: 1001,
    latency: latency(4),
    loss: noLoss,
    server: server(5),
  });
  const failed = result('latency', 'line', 'chatgate', {
    status: 'failed',
    error: 'server exited early',
    notes: ['held 3 of 5'],
  });

  it('renders one row per target with the measured figures and FAILED for a failed run', () => {
    const lines = renderResults([cg, raw, failed]).split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[2]).toMatch(
      /^efficiency\s+ws\s+chatgate\s+1\s+1,001\s+99,500\s+4\.00\s+8\.00\s+8\.0\s+0\s+1\.00\s+6\.00\s+5\.00\s+70\.0\s+–/,
    );
    expect(lines[4]).toMatch(/latency\s+line\s+chatgate\s+0\/1\s+0\s+FAILED$/);
  });

  it('renders checks with the ratio against the ceiling and the verdict', () => {
    const lines = renderChecks(buildChecks([cg, raw])).split('\n');
    expect(lines[2]).toMatch(
      /^efficiency ws\s+server CPU µs\/delivery\s+6\.00\s+5\.00\s+1\.20×\s+≤ 1\.25× raw, no loss\s+pass$/,
    );
  });

  it('shows why a check failed', () => {
    const slow = { ...cg, server: server(7) };
    expect(renderChecks(buildChecks([slow, raw]))).toMatch(
      /FAIL \(ratio 1\.40 misses ≤ 1\.25× raw, no loss\)/,
    );
  });

  it('shows the median run of repeated runs and counts the runs', () => {
    const runs = [7, 5, 6].map((us, i) =>
      result('efficiency', 'ws', 'chatgate', {
        repetition: i + 1,
        connections: 1001,
        latency: latency(us),
        loss: noLoss,
        server: server(us),
      }),
    );
    const lines = renderResults(runs).split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatch(/^efficiency\s+ws\s+chatgate\s+3\s+1,001\s+0\s+3\.00\s+6\.00\s/);
  });

  it('lists the mixed room’s latency per receiver transport', () => {
    const mixed = result('mixed-room', 'mixed', 'chatgate', {
      latencyByTransport: { ws: latency(4), line: latency(2), rpc: { ...latency(0), count: 0 } },
    });
    expect(renderNotes([mixed])).toEqual([
      'mixed-room mixed chatgate: p50/p99 ms by receiver transport: ws 2.00/4.00, line 1.00/2.00',
    ]);
  });

  it('lists errors and notes per run', () => {
    expect(renderNotes([cg, failed])).toEqual([
      'latency line chatgate: FAILED: server exited early',
      'latency line chatgate: held 3 of 5',
    ]);
  });
});
