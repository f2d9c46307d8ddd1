import { describe, expect, it } from 'vitest';
import type { Engine, RoomEvent } from '../src/index.js';
import { InProcessEngine } from '../src/index.js';
import { ScrambledEngine, settle } from './engines.js';

const draft = (content: string, senderId = 's') => ({
  kind: 'message' as const,
  senderId,
  sender: 'x',
  content,
  agent: false,
});

/** The Engine contract, run against every implementation through a factory. */
function engineConformance(name: string, create: () => Engine) {
  describe(`Engine conformance > ${name}`, () => {
    it('stamps consecutive seqs and delivers to every subscriber in seq order', async () => {
      const engine = create();
      const a: RoomEvent[] = [];
      const b: RoomEvent[] = [];
      engine.subscribe('r', (e) => a.push(e));
      engine.subscribe('r', (e) => b.push(e));
      await Promise.all(['1', '2', '3'].map((c) => engine.publish('r', draft(c))));
      await settle();
      expect(a.map((e) => e.seq)).toEqual([1, 2, 3]);
      expect(b).toEqual(a);
      expect(a.map((e) => (e.kind === 'message' ? e.content : ''))).toEqual(['1', '2', '3']);
      expect(a.every((e) => typeof e.ts === 'number')).toBe(true);
    });

    it('keeps rooms apart', async () => {
      const engine = create();
      const seen: string[] = [];
      engine.subscribe('one', (e) => seen.push(`one:${e.seq}`));
      engine.subscribe('two', (e) => seen.push(`two:${e.seq}`));
      await engine.publish('two', draft('x'));
      await settle();
      expect(seen).toEqual(['two:1']);
    });

    it('stops delivering after unsubscribe', async () => {
      const engine = create();
      const seen: number[] = [];
      const stop = engine.subscribe('r', (e) => seen.push(e.seq));
      await engine.publish('r', draft('1'));
      await settle();
      stop();
      await engine.publish('r', draft('2'));
      await settle();
      expect(seen).toEqual([1]);
    });

    it('grants a name to one holder, re-grants to the same holder, releases only by it', async () => {
      const engine = create();
      expect(await engine.claim('r', 'alice', 'm1')).toBe(true);
      expect(await engine.claim('r', 'alice', 'm1')).toBe(true);
      expect(await engine.claim('r', 'alice', 'm2')).toBe(false);
      expect(await engine.claim('other', 'alice', 'm2')).toBe(true);
      await engine.release('r', 'alice', 'm2');
      expect(await engine.claim('r', 'alice', 'm2')).toBe(false);
      await engine.release('r', 'alice', 'm1');
      expect(await engine.claim('r', 'alice', 'm2')).toBe(true);
    });
  });
}

engineConformance('InProcessEngine', () => new InProcessEngine());
engineConformance('ScrambledEngine (async, reordering)', () => new ScrambledEngine(() => 0));

describe('InProcessEngine', () => {
  it('delivers before publish resolves (synchronous)', () => {
    const engine = new InProcessEngine('n1', () => 42);
    const seen: RoomEvent[] = [];
    engine.subscribe('r', (e) => seen.push(e));
    void engine.publish('r', draft('x'));
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ seq: 1, ts: 42 });
    expect(engine.nodeId).toBe('n1');
  });
});
