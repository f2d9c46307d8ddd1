import { describe, expect, it } from 'vitest';
import { LoadRun, ORDER_KEY_STRIDE } from '../src/load-run.js';
import type { ParsedPayload } from '../src/payload.js';

const msg = (sender: number, id: number, sentMicros = 0, phase: ParsedPayload['phase'] = 'm') => ({
  phase,
  sender,
  id,
  sentMicros,
});

describe('load-run > LoadRun', () => {
  it('owes every receiver every message sent, until delivered', () => {
    const run = new LoadRun('m', 2, 3, false);
    run.nextId(0);
    run.nextId(1);
    expect(run.sent).toBe(2);
    expect(run.outstanding).toBe(6);
    for (let r = 0; r < 3; r++) run.deliver(r, msg(0, 0), 10);
    expect(run.outstanding).toBe(3);
    expect(run.allSeen(0)).toBe(false);
    for (let r = 0; r < 3; r++) run.deliver(r, msg(1, 0), 10);
    expect(run.allSeen(0)).toBe(true);
  });

  it('ignores other phases, duplicates and unknown receivers', () => {
    const run = new LoadRun('m', 1, 1, false);
    run.nextId(0);
    run.deliver(0, msg(0, 0, 0, 'w'), 5);
    run.deliver(3, msg(0, 0), 5);
    expect(run.delivered).toBe(0);
    run.deliver(0, msg(0, 0), 5);
    run.deliver(0, msg(0, 0), 6);
    expect(run.delivered).toBe(1);
    expect(run.tallies[0]!.duplicates).toBe(1);
  });

  it('records latency from the embedded send time and tells the closed loop', () => {
    const run = new LoadRun('m', 1, 2, false);
    const seen: Array<[number, number]> = [];
    run.onDelivery = (sender, id) => seen.push([sender, id]);
    run.deliver(0, msg(0, 0, 1000), 3000);
    run.deliver(1, msg(0, 0, 1000), 5000);
    expect(run.histogram.count).toBe(2);
    expect(run.histogram.max).toBeGreaterThanOrEqual(3990);
    expect(seen).toEqual([
      [0, 0],
      [0, 0],
    ]);
    expect(run.lastDeliveryAt).toBe(5000);
  });

  it('splits latency by receiver group when asked', () => {
    const run = new LoadRun('m', 1, 3, false);
    run.splitLatency([0, 1, 1], 2);
    run.deliver(0, msg(0, 0, 0), 100);
    run.deliver(1, msg(0, 0, 0), 2000);
    run.deliver(2, msg(0, 0, 0), 3000);
    expect(run.groupHistograms.map((h) => h.count)).toEqual([1, 2]);
    expect(run.histogram.count).toBe(3);
  });

  it('keeps each receiver’s arrival order as (sender, id) keys when asked', () => {
    const run = new LoadRun('m', 2, 1, true);
    run.deliver(0, msg(1, 0), 1);
    run.deliver(0, msg(0, 0), 1);
    run.deliver(0, msg(0, 1), 1);
    expect(run.orders).toEqual([[ORDER_KEY_STRIDE, 0, 1]]);
  });
});
