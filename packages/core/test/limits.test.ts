import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, TokenBucket } from '../src/index.js';
import { ConnectionGate } from '../src/transport.js';

describe('TokenBucket', () => {
  it('allows the burst at once, then refills at the rate', () => {
    let now = 0;
    const bucket = new TokenBucket(
      DEFAULT_LIMITS.rateBurst,
      DEFAULT_LIMITS.ratePerSecond,
      () => now,
    );
    for (let i = 0; i < 20; i++) expect(bucket.take()).toBe(true);
    expect(bucket.take()).toBe(false);
    now += 100;
    expect(bucket.take()).toBe(true);
    expect(bucket.take()).toBe(false);
    now += 10_000;
    for (let i = 0; i < 20; i++) expect(bucket.take()).toBe(true);
    expect(bucket.take()).toBe(false);
  });
});

describe('ConnectionGate', () => {
  it('caps connections per address and in total, and counts by transport', () => {
    const gate = new ConnectionGate({ maxConnections: 3, maxPerAddress: 2 });
    const a1 = gate.admit('a', 'ws');
    const a2 = gate.admit('a', 'tcp:line');
    expect(a1.ok && a2.ok).toBe(true);
    expect(gate.admit('a', 'ws')).toMatchObject({
      ok: false,
      code: 'per_address',
      reason: expect.stringMatching(/address/),
    });
    const b1 = gate.admit('b', 'ws');
    expect(gate.admit('c', 'ws')).toMatchObject({
      ok: false,
      code: 'total',
      reason: expect.stringMatching(/full/),
    });
    expect(gate.refused).toEqual({ total: 1, per_address: 1, connect_rate: 0 });
    expect(gate.open).toBe(3);
    expect(gate.openByTransport()).toEqual({ ws: 2, 'tcp:line': 1 });
    if (a1.ok) {
      a1.release();
      a1.release();
    }
    expect(gate.open).toBe(2);
    expect(gate.admit('a', 'ws').ok).toBe(true);
    expect(b1.ok).toBe(true);
  });

  it('has the documented defaults', () => {
    expect(new ConnectionGate().options).toEqual({
      maxConnections: 10_000,
      maxPerAddress: 64,
      nameTimeoutMs: 30_000,
      connectBurstPerAddress: 64,
      connectsPerSecondPerAddress: 16,
    });
  });

  it('limits how fast one address opens connections, churn included, others untouched', () => {
    let now = 0;
    const gate = new ConnectionGate(
      { connectBurstPerAddress: 3, connectsPerSecondPerAddress: 2 },
      () => now,
    );
    // Open and close at once: churn never meets the per-address cap, only the rate.
    for (let i = 0; i < 3; i++) {
      const admitted = gate.admit('churner', 'ws');
      expect(admitted.ok).toBe(true);
      if (admitted.ok) admitted.release();
    }
    expect(gate.admit('churner', 'tcp:line')).toMatchObject({
      ok: false,
      code: 'connect_rate',
      reason: expect.stringMatching(/too fast/),
    });
    expect(gate.admit('someone-else', 'ws').ok).toBe(true);
    expect(gate.refused.connect_rate).toBe(1);
    expect(gate.open).toBe(1);
    now += 500; // one token back at 2 per second
    expect(gate.admit('churner', 'ws').ok).toBe(true);
    expect(gate.admit('churner', 'ws').ok).toBe(false);
  });

  it('forgets the buckets of addresses that went quiet, so memory stays bounded', () => {
    let now = 0;
    const gate = new ConnectionGate(
      { connectBurstPerAddress: 2, connectsPerSecondPerAddress: 1 },
      () => now,
    );
    for (let i = 0; i < 1000; i++) {
      const admitted = gate.admit(`10.0.${i >> 8}.${i & 255}`, 'ws');
      if (admitted.ok) admitted.release();
    }
    expect(gate.trackedAddresses).toBe(1000);
    now += 10_000; // every bucket full again
    const admitted = gate.admit('10.9.9.9', 'ws');
    expect(admitted.ok).toBe(true);
    expect(gate.trackedAddresses).toBeLessThanOrEqual(2);
  });
});
