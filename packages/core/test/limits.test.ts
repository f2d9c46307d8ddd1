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
    expect(gate.refused).toEqual({ total: 1, per_address: 1 });
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
    });
  });
});
