import { describe, expect, it } from 'vitest';
import { paperEstimate, summarizeMultiNode } from '../src/multi-node-figures.js';

const base = {
  nodes: 2,
  receivers: 100,
  published: 1000,
  received: 100_000,
  duplicates: 0,
  windowS: 10,
  redisCpuS: 0.05,
  nodeCpuS: [0.6, 0.4],
  p99Ms: 3.2,
};

describe('multi-node figures', () => {
  it('turns a run into deliveries/s, loss and CPU per publish and per delivery', () => {
    const row = summarizeMultiNode(base);
    expect(row).toEqual({
      nodes: 2,
      deliveriesPerSec: 10_000,
      lost: 0,
      duplicates: 0,
      p99Ms: 3.2,
      redisUsPerPublish: 50,
      nodeUsPerDelivery: 10,
      busiestNodeCores: 0.06,
      redisCores: 0.005,
    });
  });

  it('counts what did not arrive as lost, and duplicates apart', () => {
    const row = summarizeMultiNode({ ...base, received: 99_990, duplicates: 5 });
    expect(row.lost).toBe(15);
    expect(row.duplicates).toBe(5);
    expect(row.deliveriesPerSec).toBe(9_999);
  });

  it('estimates machines from the measured costs, naming the bottleneck', () => {
    const row = summarizeMultiNode(base);
    // 10 µs per delivery: 100k/s per node-core; 50 µs per publish × 100 receivers: 2M/s.
    expect(paperEstimate(row, 3, 100)).toEqual({
      machines: 3,
      nodeBoundPerSec: 300_000,
      redisBoundPerSec: 2_000_000,
      deliveriesPerSec: 300_000,
      bottleneck: 'nodes',
    });
    // Few receivers per message: Redis's per-publish cost becomes the limit.
    expect(paperEstimate(row, 3, 2).bottleneck).toBe('redis');
    expect(paperEstimate(row, 3, 2).deliveriesPerSec).toBe(40_000);
  });
});
