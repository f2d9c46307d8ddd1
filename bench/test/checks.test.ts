import { describe, expect, it } from 'vitest';
import { buildChecks } from '../src/checks.js';
import { targetsFor } from '../src/scenarios.js';
import { idle, latency, noLoss, result, server, storm } from './helpers.js';

describe('checks > the IRC peers', () => {
  it('shows chatgate line beside each C IRC server that ran, and says why one is missing', () => {
    const closed = (target: 'chatgate' | 'raw-net' | 'ngircd', perSec: number, us: number) =>
      result('closed-loop', 'line', target, {
        deliveries: 1000,
        deliveriesPerSec: perSec,
        server: server(us),
      });
    const skipped = result('closed-loop', 'line', 'inspircd', {
      status: 'skipped',
      error: '/usr/sbin/inspircd is not installed',
    });
    const checks = buildChecks([
      closed('chatgate', 400_000, 2),
      closed('raw-net', 120_000, 6),
      closed('ngircd', 200_000, 1.6),
      skipped,
    ]);
    expect(checks.map((c) => [c.metric, c.raw, c.ratio, c.verdict, c.reason])).toEqual([
      ['deliveries/s', 120_000, 400_000 / 120_000, 'pass', null],
      ['server CPU µs/delivery', 6, 2 / 6, 'fail', '2.00 µs over 1.3 µs'],
      ['deliveries/s vs ngIRCd', 200_000, 2, 'info', null],
      ['server CPU µs/delivery vs ngIRCd', 1.6, 1.25, 'info', null],
      ['deliveries/s vs InspIRCd', null, null, 'n/a', '/usr/sbin/inspircd is not installed'],
      [
        'server CPU µs/delivery vs InspIRCd',
        null,
        null,
        'n/a',
        '/usr/sbin/inspircd is not installed',
      ],
    ]);
  });

  it('runs the IRC peers only beside line, in the closed loop and at light load', () => {
    expect(targetsFor('line', 'closed-loop')).toEqual([
      'chatgate',
      'raw-net',
      'ngircd',
      'inspircd',
    ]);
    expect(targetsFor('line', 'light-load')).toContain('ngircd');
    expect(targetsFor('ws', 'closed-loop')).toEqual(['chatgate', 'raw-ws']);
    expect(targetsFor('line', 'join-storm')).toEqual(['chatgate', 'raw-net']);
  });
});

describe('checks > buildChecks', () => {
  it('passes efficiency at 1.2× the raw ceiling and fails it at 1.3×', () => {
    const raw = result('efficiency', 'ws', 'raw-ws', { server: server(5), loss: noLoss });
    const pass = buildChecks([
      result('efficiency', 'ws', 'chatgate', { server: server(6), loss: noLoss }),
      raw,
    ]);
    expect(pass).toEqual([
      expect.objectContaining({ chatgate: 6, raw: 5, ratio: 1.2, verdict: 'pass', reason: null }),
    ]);
    const fail = buildChecks([
      result('efficiency', 'ws', 'chatgate', { server: server(6.5), loss: noLoss }),
      raw,
    ]);
    expect(fail[0]).toMatchObject({ verdict: 'fail', ratio: 1.3 });
  });

  it('compares each transport with its own ceiling, after 40 s and at 3 s', () => {
    const checks = buildChecks([
      result('idle-memory', 'ws', 'chatgate', { idle: idle(12, 16), connections: 10, wanted: 10 }),
      result('idle-memory', 'line', 'chatgate', { idle: idle(6, 7), connections: 10, wanted: 10 }),
      result('idle-memory', 'ws', 'raw-ws', { idle: idle(8) }),
      result('idle-memory', 'line', 'raw-net', { idle: idle(5) }),
    ]);
    expect(checks.map((c) => [c.transport, c.metric, c.ratio, c.verdict])).toEqual([
      ['ws', 'RSS KB/connection after 40 s', 1.5, 'pass'],
      ['ws', 'RSS KB/connection at 3 s', 2, 'fail'],
      ['line', 'RSS KB/connection after 40 s', 1.2, 'pass'],
      ['line', 'RSS KB/connection at 3 s', 1.4, 'pass'],
    ]);
  });

  it('judges the light load by server CPU seconds, at most 1.1× raw, and by loss', () => {
    const raw = result('light-load', 'line', 'raw-net', {
      deliveries: 1000,
      server: { ...server(5), cpuS: 4 },
      loss: noLoss,
    });
    const at = (cpuS: number, lost = 0) =>
      buildChecks([
        result('light-load', 'line', 'chatgate', {
          deliveries: 1000,
          server: { ...server(5), cpuS },
          loss: { ...noLoss, lost },
        }),
        raw,
      ])[0];
    expect(at(4.4)).toMatchObject({ metric: 'server CPU s', ratio: 1.1, verdict: 'pass' });
    expect(at(4.5)).toMatchObject({
      verdict: 'fail',
      reason: 'ratio 1.13 misses ≤ 1.1× raw, no loss',
    });
    expect(at(4, 1)).toMatchObject({ verdict: 'fail', reason: '1 deliveries lost' });
  });

  it('wants every storm member joined within 3 s and shows CPU and quiet time beside raw', () => {
    const raw = result('join-storm', 'ws', 'raw-ws', { storm: storm(1, 0.5) });
    const at = (joinedS: number, connections = 10) =>
      buildChecks([
        result('join-storm', 'ws', 'chatgate', {
          storm: storm(joinedS, 2),
          connections,
          wanted: 10,
        }),
        raw,
      ]);
    const [joined, cpu, quiet] = at(2.5);
    expect(joined).toMatchObject({ metric: 's until all joined', ratio: 2.5, verdict: 'pass' });
    expect(cpu).toMatchObject({ chatgate: 2, raw: 0.5, ratio: 4, verdict: 'info' });
    expect(quiet).toMatchObject({ chatgate: 3.5, raw: 2, verdict: 'info' });
    expect(at(3.5)[0]).toMatchObject({ verdict: 'fail', reason: '3.5 s over 3 s' });
    expect(at(2, 9)[0]).toMatchObject({ verdict: 'fail', reason: 'held 9 of 10 connections' });
  });

  it('wants the closed loop at most 1.3 µs of server CPU per delivery', () => {
    const raw = result('closed-loop', 'line', 'raw-net', {
      deliveries: 1,
      deliveriesPerSec: 100_000,
      server: server(4.5),
    });
    const at = (us: number) =>
      buildChecks([
        result('closed-loop', 'line', 'chatgate', {
          deliveries: 1,
          deliveriesPerSec: 400_000,
          server: server(us),
        }),
        raw,
      ])[1];
    expect(at(1.2)).toMatchObject({ metric: 'server CPU µs/delivery', verdict: 'pass' });
    expect(at(2)).toMatchObject({ verdict: 'fail', reason: '2.00 µs over 1.3 µs' });
  });

  it('fails idle memory when chatgate did not hold every connection', () => {
    const checks = buildChecks([
      result('idle-memory', 'line', 'chatgate', { idle: idle(5), connections: 7, wanted: 10 }),
      result('idle-memory', 'line', 'raw-net', { idle: idle(5) }),
    ]);
    expect(checks[0]).toMatchObject({ verdict: 'fail', reason: 'held 7 of 10 connections' });
  });

  it('wants at least 0.8× the raw deliveries/s in the closed loop', () => {
    const raw = result('closed-loop', 'line', 'raw-net', {
      deliveries: 1,
      deliveriesPerSec: 100_000,
    });
    const at = (rate: number) =>
      buildChecks([
        result('closed-loop', 'line', 'chatgate', { deliveries: 1, deliveriesPerSec: rate }),
        raw,
      ])[0];
    expect(at(80_000)).toMatchObject({ verdict: 'pass' });
    expect(at(79_000)).toMatchObject({ verdict: 'fail' });
  });

  it('judges latency by its absolute p99 target and by loss', () => {
    const raw = result('latency', 'ws', 'raw-ws', { latency: latency(4), loss: noLoss });
    const run = (p99: number, lost: number) =>
      buildChecks([
        result('latency', 'ws', 'chatgate', { latency: latency(p99), loss: { ...noLoss, lost } }),
        raw,
      ])[0];
    expect(run(9.5, 0)).toMatchObject({ verdict: 'pass', ratio: 9.5 / 4 });
    expect(run(10.5, 0)).toMatchObject({ verdict: 'fail', reason: 'p99 10.5 ms over 10 ms' });
    expect(run(2, 3)).toMatchObject({ verdict: 'fail', reason: '3 deliveries lost' });
  });

  it('is n/a when the raw ceiling is missing or failed, and fail when chatgate failed', () => {
    const cg = result('efficiency', 'line', 'chatgate', { server: server(5), loss: noLoss });
    expect(buildChecks([cg])[0]).toMatchObject({ verdict: 'n/a', reason: 'no raw run' });
    const rawFailed = result('efficiency', 'line', 'raw-net', { status: 'failed', error: 'boom' });
    expect(buildChecks([cg, rawFailed])[0]).toMatchObject({
      verdict: 'n/a',
      reason: 'raw run failed',
    });
    const cgFailed = result('efficiency', 'line', 'chatgate', {
      status: 'failed',
      error: 'crashed',
    });
    expect(buildChecks([cgFailed])[0]).toMatchObject({ verdict: 'fail', reason: 'crashed' });
  });

  it('passes the mixed room only with one order and no loss', () => {
    const ok = { ok: true as const, members: 3, messages: 30 };
    const broken = {
      ok: false as const,
      members: 3,
      messages: 30,
      problem: 'member 0 saw 1 before 2; member 1 saw 2 before 1',
    };
    expect(
      buildChecks([result('mixed-room', 'mixed', 'chatgate', { order: ok, loss: noLoss })])[0],
    ).toMatchObject({ verdict: 'pass', chatgate: 30, ratio: null });
    expect(
      buildChecks([result('mixed-room', 'mixed', 'chatgate', { order: broken, loss: noLoss })])[0],
    ).toMatchObject({ verdict: 'fail', reason: broken.problem });
  });

  it('judges repeated runs by their medians and reports their ranges', () => {
    const runs = [
      ...[6, 5.5, 9].map((us) =>
        result('efficiency', 'line', 'chatgate', { server: server(us), loss: noLoss }),
      ),
      ...[5, 4, 5.2].map((us) =>
        result('efficiency', 'line', 'raw-net', { server: server(us), loss: noLoss }),
      ),
    ];
    expect(buildChecks(runs)[0]).toMatchObject({
      chatgate: 6,
      raw: 5,
      ratio: 1.2,
      chatgateRange: [5.5, 9],
      rawRange: [4, 5.2],
      verdict: 'pass',
    });
  });

  it('fails when any chatgate run lost a delivery or failed, however good the median', () => {
    const raw = result('efficiency', 'ws', 'raw-ws', { server: server(5), loss: noLoss });
    const good = () => result('efficiency', 'ws', 'chatgate', { server: server(5), loss: noLoss });
    const lossy = result('efficiency', 'ws', 'chatgate', {
      server: server(5),
      loss: { ...noLoss, lost: 2 },
    });
    expect(buildChecks([good(), lossy, good(), raw])[0]).toMatchObject({
      verdict: 'fail',
      reason: '2 deliveries lost',
    });
    const crashed = result('efficiency', 'ws', 'chatgate', { status: 'failed', error: 'exited' });
    expect(buildChecks([good(), crashed, good(), raw])[0]).toMatchObject({
      verdict: 'fail',
      reason: '1 of 3 runs failed: exited',
    });
  });

  it('makes no check for raw-only results', () => {
    expect(buildChecks([result('latency', 'ws', 'raw-ws', { latency: latency(3) })])).toEqual([]);
  });
});
