import { describe, expect, it, onTestFinished } from 'vitest';
import type { Engine, EventDraft, RoomEvent, RoomSnapshot } from '../src/index.js';
import { isChatError } from '../src/index.js';

/** Several nodes on one backend; what each engine implementation provides to the suite. */
export interface EngineCluster {
  /** A node on the cluster's shared backend. Closed by the cluster's `close`. */
  node(nodeId: string, options?: { leaseMs?: number }): Promise<Engine>;
  /** The node dies without a word: no more heartbeats, no cleanup. */
  crash(engine: Engine): Promise<void>;
  /**
   * Orders the next event of `room` without notifying anyone (a lost pub/sub message), so the
   * next notification arrives after a gap. Only for engines that can lose notifications.
   */
  orderSilently?(room: string, draft: EventDraft): Promise<void>;
  /** The backend loses all state (restart without persistence); a new epoch begins. */
  wipe?(): Promise<void>;
  close(): Promise<void>;
}

export interface ClusterOptions {
  /** Public messages kept. */
  historySize: number;
  /** Events of any kind kept for recovery. */
  logSize: number;
}

const WAIT_MS = 8000;

export const say = (content: string, senderId = 'n:0', sender = 'x'): EventDraft => ({
  kind: 'message',
  senderId,
  sender,
  content,
  agent: false,
});

/** Collects a subscription's events and snapshots, and waits for them without sleeping. */
export class Tape {
  readonly events: RoomEvent[] = [];
  readonly syncs: RoomSnapshot[] = [];
  private waiters: Array<() => void> = [];

  readonly deliver = (event: RoomEvent): void => {
    this.events.push(event);
    this.wake();
  };

  readonly onSync = (snapshot: RoomSnapshot): void => {
    this.syncs.push(snapshot);
    this.wake();
  };

  /** Resolves once `test` holds, checked after each delivery; rejects after a timeout. */
  until(test: (tape: Tape) => boolean, what: string, ms = WAIT_MS): Promise<void> {
    if (test(this)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== check);
        reject(new Error(`timed out waiting for ${what}; saw seqs ${this.seqs().join(',')}`));
      }, ms);
      const check = () => {
        if (!test(this)) return;
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== check);
        resolve();
      };
      this.waiters.push(check);
    });
  }

  count(n: number): Promise<void> {
    return this.until((t) => t.events.length >= n, `${n} events`);
  }

  seqs(): number[] {
    return this.events.map((e) => e.seq);
  }

  contents(): string[] {
    return this.events.flatMap((e) => (e.kind === 'message' ? [e.content] : []));
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

/** Subscribes with a Tape and waits for the subscription's first snapshot. */
export async function follow(engine: Engine, room: string): Promise<Tape> {
  const tape = new Tape();
  const stop = engine.subscribe(room, tape.deliver, { onSync: tape.onSync });
  onTestFinished(stop);
  await tape.until((t) => t.syncs.length > 0, 'the first snapshot');
  return tape;
}

function consecutive(seqs: number[]): boolean {
  return seqs.every((seq, i) => i === 0 || seq === seqs[i - 1]! + 1);
}

/**
 * The Engine contract, run against every implementation through a cluster factory: one
 * order on every node, late subscribers, presence and names as leases, history, recovery
 * with epochs, racing claims and (where the engine can lose notifications) gap filling.
 */
export function engineConformance(
  name: string,
  createCluster: (options: ClusterOptions) => Promise<EngineCluster>,
  capabilities: { networked: boolean },
) {
  const options: ClusterOptions = { historySize: 3, logSize: 8 };
  const cluster = async () => {
    const c = await createCluster(options);
    onTestFinished(() => c.close());
    return c;
  };
  let rooms = 0;
  // A fresh room per test: a shared backend may outlive a test.
  const room = () => `conf-${process.pid}-${Date.now()}-${++rooms}`;

  describe(`Engine conformance > ${name}`, () => {
    it('gives every subscriber on every node one gapless order', async () => {
      const c = await cluster();
      const r = room();
      const [a, b] = [await c.node('a'), await c.node('b')];
      const tapes = [await follow(a, r), await follow(a, r), await follow(b, r)];
      await Promise.all(
        Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).publish(r, say(`m${i}`))),
      );
      for (const tape of tapes) await tape.count(12);
      const first = tapes[0]!;
      expect(consecutive(first.seqs())).toBe(true);
      expect(first.seqs()[0]).toBe(first.syncs[0]!.position.seq + 1);
      for (const tape of tapes) expect(tape.events).toEqual(first.events);
      expect(first.events.every((e) => typeof e.ts === 'number')).toBe(true);
    });

    it("keeps a publisher's own order and resolves with the stamp it is delivered with", async () => {
      const c = await cluster();
      const r = room();
      const a = await c.node('a');
      const tape = await follow(a, r);
      const stamps = await Promise.all(['1', '2', '3'].map((t) => a.publish(r, say(t))));
      await tape.count(3);
      expect(tape.contents()).toEqual(['1', '2', '3']);
      expect(stamps.map((s) => s.seq)).toEqual(tape.seqs());
    });

    it('keeps rooms apart and stops delivering after unsubscribe', async () => {
      const c = await cluster();
      const [r1, r2] = [room(), room()];
      const a = await c.node('a');
      const one = await follow(a, r1);
      const two = new Tape();
      const stop = a.subscribe(r2, two.deliver, { onSync: two.onSync });
      await two.until((t) => t.syncs.length > 0, 'snapshot');
      await a.publish(r2, say('x'));
      await two.count(1);
      stop();
      await a.publish(r2, say('after'));
      await a.publish(r1, say('marker'));
      await one.count(1);
      expect(one.contents()).toEqual(['marker']);
      expect(two.contents()).toEqual(['x']);
    });

    it('gives a late subscriber on another node the members, the history and the position', async () => {
      const c = await cluster();
      const r = room();
      const a = await c.node('a');
      const tape = await follow(a, r);
      await a.publish(r, { kind: 'join', memberId: 'a:1', name: 'Alice' });
      await a.publish(r, { kind: 'join', memberId: 'a:2', name: 'bob' });
      for (const t of ['h1', 'h2', 'h3', 'h4']) await a.publish(r, say(t, 'a:1', 'Alice'));
      await a.publish(r, { kind: 'rename', memberId: 'a:2', from: 'bob', to: 'Bobby' });
      await a.publish(r, { kind: 'join', memberId: 'a:3', name: 'carol' });
      await a.publish(r, { kind: 'leave', memberId: 'a:3', name: 'carol', reason: 'quit' });
      await tape.count(9);

      const b = await c.node('b');
      const late = await follow(b, r);
      const snapshot = late.syncs[0]!;
      expect(snapshot.members.map((m) => [m.memberId, m.name, m.nodeId])).toEqual([
        ['a:1', 'Alice', 'a'],
        ['a:2', 'Bobby', 'a'],
      ]);
      // History holds public messages only, capped at the history size.
      expect(snapshot.history.map((e) => e.content)).toEqual(['h2', 'h3', 'h4']);
      expect(snapshot.position.seq).toBe(tape.events.at(-1)!.seq);
      expect(snapshot.position.epoch).toBe(tape.syncs[0]!.position.epoch);
      expect(await b.snapshot(r)).toEqual(snapshot);

      await a.publish(r, say('next'));
      await late.count(1);
      expect(late.events[0]!.seq).toBe(snapshot.position.seq + 1);
    });

    it('recovers exactly the events after a position, or says the history was reset', async () => {
      const c = await cluster();
      const r = room();
      const a = await c.node('a');
      const tape = await follow(a, r);
      const start = tape.syncs[0]!.position;
      for (let i = 1; i <= 5; i++) await a.publish(r, say(`r${i}`));
      await tape.count(5);

      const from2 = await a.recover(r, { epoch: start.epoch, seq: tape.events[1]!.seq });
      expect(from2.kind).toBe('events');
      if (from2.kind !== 'events') return;
      expect(from2.events).toEqual(tape.events.slice(2));
      expect(from2.position.seq).toBe(tape.events[4]!.seq);

      const upToDate = await a.recover(r, from2.position);
      expect(upToDate).toMatchObject({ kind: 'events', events: [] });

      const stale = await a.recover(r, { epoch: 'another-epoch', seq: 2 });
      expect(stale.kind).toBe('reset');
      if (stale.kind === 'reset') expect(stale.snapshot.position).toEqual(from2.position);

      // Older than the log (8 events): the engine cannot tell what was missed.
      for (let i = 6; i <= 15; i++) await a.publish(r, say(`r${i}`));
      await tape.count(15);
      const tooOld = await a.recover(r, { epoch: start.epoch, seq: tape.events[0]!.seq });
      expect(tooOld.kind).toBe('reset');
    });

    it('grants a name to one holder, re-grants to the same holder, releases only by it', async () => {
      const c = await cluster();
      const [r, other] = [room(), room()];
      const [a, b] = [await c.node('a'), await c.node('b')];
      expect(await a.claim(r, 'alice', 'a:1')).toBe(true);
      expect(await a.claim(r, 'alice', 'a:1')).toBe(true);
      expect(await b.claim(r, 'alice', 'b:1')).toBe(false);
      expect(await b.claim(other, 'alice', 'b:1')).toBe(true);
      await b.release(r, 'alice', 'b:1');
      expect(await b.claim(r, 'alice', 'b:1')).toBe(false);
      await a.release(r, 'alice', 'a:1');
      expect(await b.claim(r, 'alice', 'b:1')).toBe(true);
    });

    it('lets the holder of a resume token take its name over at once, and no one else', async () => {
      const c = await cluster();
      const r = room();
      const [a, b] = [await c.node('a'), await c.node('b')];
      expect(await a.claim(r, 'kim', 'a:1', 'secret-1')).toBe(true);
      expect(await b.takeOver(r, 'kim', 'b:1', 'wrong')).toBeNull();
      expect(await b.claim(r, 'kim', 'b:1')).toBe(false);
      expect(await b.takeOver(r, 'kim', 'b:1', 'secret-1')).toBe('a:1');
      expect(await a.claim(r, 'kim', 'a:2')).toBe(false);
      await b.release(r, 'kim', 'b:1');
      expect(await b.takeOver(r, 'kim', 'b:2', 'secret-1')).toBeNull();
    });

    it('frees a name when its holder leaves', async () => {
      const c = await cluster();
      const r = room();
      const [a, b] = [await c.node('a'), await c.node('b')];
      const tape = await follow(b, r);
      expect(await a.claim(r, 'dora', 'a:7')).toBe(true);
      await a.publish(r, { kind: 'join', memberId: 'a:7', name: 'Dora' });
      await a.publish(r, { kind: 'leave', memberId: 'a:7', name: 'Dora', reason: 'quit' });
      await tape.count(2);
      expect(await b.claim(r, 'dora', 'b:7')).toBe(true);
    });

    it('lists the rooms with members on any node, with their sizes', async () => {
      const c = await cluster();
      const [r1, r2, quiet] = [room(), room(), room()];
      const [a, b] = [await c.node('a'), await c.node('b')];
      const tape = await follow(a, r2);
      await a.publish(r1, { kind: 'join', memberId: 'a:1', name: 'm1' });
      await b.publish(r1, { kind: 'join', memberId: 'b:1', name: 'm2' });
      await b.publish(r2, { kind: 'join', memberId: 'b:2', name: 'm3' });
      await b.publish(quiet, say('nobody joined'));
      const ours = async (engine: Engine) =>
        (await engine.rooms())
          .filter((entry) => [r1, r2, quiet].includes(entry.room))
          .sort((x, y) => (x.room < y.room ? -1 : 1));
      expect(await ours(a)).toEqual([
        { room: r1, size: 2 },
        { room: r2, size: 1 },
      ]);
      await b.publish(r2, { kind: 'leave', memberId: 'b:2', name: 'm3', reason: 'part' });
      await tape.count(2);
      expect(await ours(b)).toEqual([{ room: r1, size: 2 }]);
    });

    it('discards an empty room only: a new one by that name starts afresh', async () => {
      const c = await cluster();
      const r = room();
      const a = await c.node('a');
      await a.publish(r, { kind: 'join', memberId: 'a:1', name: 'm1' });
      await a.publish(r, say('before'));
      expect(await a.discard(r)).toBe(false);
      const stop = a.subscribe(r, () => {});
      await a.publish(r, { kind: 'leave', memberId: 'a:1', name: 'm1', reason: 'part' });
      // Someone here still follows it: kept.
      expect(await a.discard(r)).toBe(false);
      stop();
      expect(await a.discard(r)).toBe(true);
      const fresh = await a.snapshot(r);
      expect(fresh.position.seq).toBe(0);
      expect(fresh.history).toEqual([]);
      expect(fresh.members).toEqual([]);
      expect((await a.rooms()).some((entry) => entry.room === r)).toBe(false);
    });

    it('gives exactly one of many racing claims across nodes the name', async () => {
      const c = await cluster();
      const r = room();
      const nodes = [await c.node('a'), await c.node('b'), await c.node('c')];
      const results = await Promise.all(
        Array.from({ length: 60 }, (_, i) => nodes[i % 3]!.claim(r, 'zed', `${'abc'[i % 3]}:${i}`)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it("ends a dead node's members everywhere within one lease, with reason timeout, and frees its names", async () => {
      const c = await cluster();
      const r = room();
      const leaseMs = 1000;
      const a = await c.node('a', { leaseMs });
      const b = await c.node('b', { leaseMs });
      const tape = await follow(a, r);
      expect(await b.claim(r, 'eve', 'b:1')).toBe(true);
      expect(await b.claim(r, 'pending', 'b:2')).toBe(true);
      await b.publish(r, { kind: 'join', memberId: 'b:1', name: 'Eve' });
      await a.publish(r, { kind: 'join', memberId: 'a:1', name: 'Ann' });
      await tape.count(2);
      const crashedAt = Date.now();
      await c.crash(b);
      await tape.until(
        (t) => t.events.some((e) => e.kind === 'leave' && e.memberId === 'b:1'),
        "the dead node's leave",
        leaseMs * 6,
      );
      // Within one lease after its last renewal, plus one heartbeat of the reaping node.
      expect(Date.now() - crashedAt).toBeLessThan(leaseMs * 3);
      const leave = tape.events.find((e) => e.kind === 'leave');
      expect(leave).toMatchObject({ memberId: 'b:1', name: 'Eve', reason: 'timeout' });
      expect(tape.events.filter((e) => e.kind === 'leave')).toHaveLength(1);
      expect(await a.claim(r, 'eve', 'a:2')).toBe(true);
      expect(await a.claim(r, 'pending', 'a:3')).toBe(true);
      expect((await a.snapshot(r)).members.map((m) => m.name)).toEqual(['Ann']);
    });

    it('refuses with unavailable once closed, and says so', async () => {
      const c = await cluster();
      const r = room();
      const a = await c.node('a');
      expect(a.status).toBe('ready');
      const statuses: string[] = [];
      a.onStatus((s) => statuses.push(s));
      await a.close();
      expect(a.status).toBe('unavailable');
      expect(statuses).toContain('unavailable');
      const err = await a.publish(r, say('x')).catch((e: unknown) => e);
      expect(isChatError(err) && err.code).toBe('unavailable');
      const claimErr = await a.claim(r, 'x', 'a:1').catch((e: unknown) => e);
      expect(isChatError(claimErr) && claimErr.code).toBe('unavailable');
    });

    it('keeps the history capped at its size, public messages only', async () => {
      const c = await cluster();
      const r = room();
      const a = await c.node('a');
      const tape = await follow(a, r);
      await a.publish(r, say('p1'));
      await a.publish(r, { ...say('secret'), toId: 'a:9', to: 'z' });
      await a.publish(r, say('p2'));
      await tape.count(3);
      expect((await a.snapshot(r)).history.map((e) => e.content)).toEqual(['p1', 'p2']);
    });
  });

  // Only engines with a separate backend can lose a notification or their state.
  if (!capabilities.networked) return;

  describe(`Engine conformance > ${name} > lost notifications and resets`, () => {
    it('fills a gap from its log before delivering anything newer', async () => {
      const c = await cluster();
      if (c.orderSilently === undefined) throw new Error('a networked cluster needs orderSilently');
      const r = room();
      const a = await c.node('a');
      const tape = await follow(a, r);
      await a.publish(r, say('before'));
      await c.orderSilently(r, say('lost-1'));
      await c.orderSilently(r, say('lost-2'));
      await a.publish(r, say('after'));
      await tape.count(4);
      expect(tape.contents()).toEqual(['before', 'lost-1', 'lost-2', 'after']);
      expect(consecutive(tape.seqs())).toBe(true);
      expect(tape.syncs).toHaveLength(1);
    });

    it('starts a new epoch when the backend loses its state, and resyncs subscribers', async () => {
      const c = await cluster();
      if (c.wipe === undefined) throw new Error('a networked cluster needs wipe');
      const r = room();
      const a = await c.node('a');
      const tape = await follow(a, r);
      await a.publish(r, say('old'));
      await tape.count(1);
      const before = tape.syncs[0]!.position;
      await c.wipe();
      await a.publish(r, say('new'));
      await tape.until((t) => t.syncs.length > 1, 'a resync in the new epoch');
      const resync = tape.syncs.at(-1)!;
      expect(resync.position.epoch).not.toBe(before.epoch);
      await a.publish(r, say('newer'));
      await tape.until((t) => t.contents().includes('newer'), 'an event after the resync');
      expect(tape.events.at(-1)!.seq).toBe(resync.position.seq + 1);
      const recovery = await a.recover(r, { epoch: before.epoch, seq: 1 });
      expect(recovery.kind).toBe('reset');
    });
  });
}
