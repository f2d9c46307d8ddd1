import { describe, expect, it } from 'vitest';
import type { RoomEvent } from '../src/index.js';
import { InProcessEngine } from '../src/index.js';
import { engineConformance, say } from './engine-conformance.js';
import { inProcessCluster, ScrambledEngine, settle } from './engines.js';

engineConformance('InProcessEngine', inProcessCluster, { networked: false });

describe('InProcessEngine', () => {
  it('delivers before publish resolves (synchronous)', () => {
    const engine = new InProcessEngine('n1', () => 42);
    const seen: RoomEvent[] = [];
    engine.subscribe('r', (e) => seen.push(e));
    void engine.publish('r', say('x'));
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ seq: 1, ts: 42 });
    expect(engine.nodeId).toBe('n1');
  });

  it('gives its snapshot synchronously on subscribe', () => {
    const engine = new InProcessEngine();
    void engine.publish('r', say('x'));
    let seqAtSync = -1;
    engine.subscribe('r', () => {}, { onSync: (s) => (seqAtSync = s.position.seq) });
    expect(seqAtSync).toBe(1);
  });
});

describe('ScrambledEngine (async, reordering)', () => {
  it('stamps consecutive seqs and delivers in seq order', async () => {
    const engine = new ScrambledEngine(() => 0);
    const a: RoomEvent[] = [];
    engine.subscribe('r', (e) => a.push(e));
    await Promise.all(['1', '2', '3'].map((c) => engine.publish('r', say(c, c))));
    await settle();
    expect(a.map((e) => e.seq)).toEqual([1, 2, 3]);
  });
});
