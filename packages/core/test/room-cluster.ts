import { describe, expect, it, onTestFinished } from 'vitest';
import type { DisconnectReason, Member, RoomEvent } from '../src/index.js';
import { isChatError, Room } from '../src/index.js';
import type { ClusterOptions, EngineCluster } from './engine-conformance.js';
import { RecordingSession } from './helpers.js';

const WAIT_MS = 8000;

/** A RecordingSession one can wait on, without sleeping. */
export class WaitingSession extends RecordingSession {
  private waiters: Array<() => void> = [];

  override deliver(event: RoomEvent, frame: string | null, self: Member): void {
    super.deliver(event, frame, self);
    this.wake();
  }

  override close(reason: DisconnectReason): void {
    super.close(reason);
    this.wake();
  }

  until(test: (s: WaitingSession) => boolean, what: string, ms = WAIT_MS): Promise<void> {
    if (test(this)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== check);
        reject(new Error(`timed out waiting for ${what}; frames: ${this.frames.join(' | ')}`));
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

  messages(): string[] {
    return this.events.flatMap((e) => (e.kind === 'message' ? [e.content] : []));
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

/** Rooms on several nodes of one engine cluster: what a user of many nodes relies on. */
export function roomsOnCluster(
  name: string,
  createCluster: (options: ClusterOptions) => Promise<EngineCluster>,
) {
  let rooms = 0;
  const roomName = () => `rooms-${process.pid}-${Date.now()}-${++rooms}`;

  async function setup(leaseMs?: number) {
    const cluster = await createCluster({ historySize: 100, logSize: 1000 });
    onTestFinished(() => cluster.close());
    const id = roomName();
    const open = async (nodeId: string) => {
      const engine = await cluster.node(nodeId, leaseMs === undefined ? {} : { leaseMs });
      const room = new Room({ name: id, engine, limits: { rateBurst: 1000, ratePerSecond: 1000 } });
      onTestFinished(() => room.close());
      await room.ready;
      return { engine, room };
    };
    return { cluster, open };
  }

  async function join(room: Room, name: string) {
    const session = new WaitingSession();
    const member = await room.join(session, { name });
    return { member, session };
  }

  describe(`Rooms across nodes > ${name}`, () => {
    it('shows a node started late everyone in the room and the history', async () => {
      const { open } = await setup();
      const a = await open('a');
      const b = await open('b');
      const alice = await join(a.room, 'alice');
      await join(b.room, 'bob');
      await alice.member.say('hello');
      await alice.session.until((s) => s.messages().includes('hello'), 'hello');
      await alice.session.until((s) => s.events.some((e) => e.kind === 'join'), 'joins');

      const c = await open('c');
      expect(c.room.users()).toEqual(['alice', 'bob']);
      expect(c.room.history().map((e) => e.content)).toEqual(['hello']);
      expect(c.room.has('ALICE')).toBe(true);
      const carol = await join(c.room, 'carol');
      expect(carol.member.others()).toEqual(['alice', 'bob']);
      await expect(c.room.join(new WaitingSession(), { name: 'Bob' })).rejects.toMatchObject({
        code: 'name_taken',
      });
    });

    it('lets one of racing look-alike joins on different nodes in', async () => {
      const { open } = await setup();
      const a = await open('a');
      const b = await open('b');
      const outcomes = await Promise.allSettled([
        join(a.room, 'alice'),
        join(a.room, 'a1ice'),
        join(b.room, 'aIice'),
      ]);
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      for (const o of outcomes) {
        if (o.status === 'rejected') expect(o.reason).toMatchObject({ code: 'name_taken' });
      }
    });

    it('gives every member on every node one order, and handlers on each node each public message once', async () => {
      const { open } = await setup();
      const nodes = [await open('a'), await open('b'), await open('c')];
      const seen = nodes.map(() => [] as string[]);
      nodes.forEach((n, i) => {
        n.room.addHandler((content) => {
          seen[i]!.push(content);
        });
      });
      const members = await Promise.all(nodes.map((n, i) => join(n.room, `m${i}`)));
      const sent: Array<Promise<unknown>> = [];
      for (let round = 0; round < 10; round++) {
        members.forEach(({ member }, i) => {
          sent.push(member.say(`r${round}-m${i}`));
        });
      }
      await Promise.all(sent);
      for (const { session } of members) {
        await session.until((s) => s.messages().length === 30, '30 messages');
      }
      const order = members[0]!.session.messages();
      for (const { session } of members) expect(session.messages()).toEqual(order);
      await Promise.all(nodes.map((n) => n.room.handlersIdle()));
      for (const handled of seen) expect(handled).toEqual(order);
    });

    it("ends a dead node's members on every other node within one lease, reason timeout, and frees their names", async () => {
      const leaseMs = 1000;
      const { cluster, open } = await setup(leaseMs);
      const a = await open('a');
      const b = await open('b');
      const watcher = await join(a.room, 'watcher');
      await join(b.room, 'doomed');
      await watcher.session.until((s) => s.frames.includes('+doomed'), 'doomed joins');
      await cluster.crash(b.engine);
      await watcher.session.until(
        (s) => s.frames.includes('-doomed'),
        'doomed leaves',
        leaseMs * 6,
      );
      const leave = watcher.session.events.find((e) => e.kind === 'leave');
      expect(leave).toMatchObject({ name: 'doomed', reason: 'timeout' });
      expect(a.room.users()).toEqual(['watcher']);
      const again = await join(a.room, 'Doomed');
      expect(again.member.name).toBe('Doomed');
    });

    it('a client resuming on another node retakes its name at once and gets exactly what it missed', async () => {
      const { open } = await setup();
      const a = await open('a');
      const b = await open('b');
      const alice = await join(a.room, 'alice');
      const bob = await join(b.room, 'bob');
      await alice.member.say('seen');
      await alice.session.until((s) => s.messages().includes('seen'), 'seen');
      const seen = alice.session.events.at(-1)!;
      const since = { epoch: a.room.position.epoch, seq: seen.seq };
      await bob.member.say('missed-1');
      await bob.member.whisper('alice', 'missed-private');
      await bob.member.say('missed-2');
      await alice.session.until(
        (s) => s.messages().includes('missed-2'),
        'missed-2 on the old connection',
      );

      const outcomes: string[] = [];
      const again = new WaitingSession();
      again.resumed = (outcome) => void outcomes.push(JSON.stringify(outcome));
      const back = await b.room.join(again, {
        name: 'Alice',
        resumeToken: alice.member.resumeToken,
        since,
      });
      expect(back.name).toBe('Alice');
      await alice.session.until((s) => s.closedWith.length > 0, 'the old connection closed');
      expect(alice.session.closedWith).toEqual(['closed']);
      await bob.member.say('live');
      await again.until((s) => s.messages().includes('live'), 'live after resume');
      expect(again.messages()).toEqual(['missed-1', 'missed-private', 'missed-2', 'live']);
      // Three messages and the old connection's leave.
      expect(outcomes).toEqual([JSON.stringify({ kind: 'events', count: 4 })]);
      expect(b.room.users()).toEqual(['bob', 'Alice']);

      const stale = new WaitingSession();
      stale.resumed = (outcome) => void outcomes.push(outcome.kind);
      await b.room.join(stale, { name: 'carl', since: { epoch: 'gone', seq: 1 } });
      expect(outcomes.at(-1)).toBe('reset');
      await expect(
        b.room.join(new WaitingSession(), { name: 'alice', resumeToken: 'guess' }),
      ).rejects.toMatchObject({ code: 'name_taken' });
    });

    it('fails join and messages with unavailable once the engine is gone, and keeps members', async () => {
      const { open } = await setup();
      const a = await open('a');
      const alice = await join(a.room, 'alice');
      await a.engine.close();
      const err = await alice.member.say('hi').catch((e: unknown) => e);
      expect(isChatError(err) && err.code).toBe('unavailable');
      const joinErr = await a.room.join(new WaitingSession(), { name: 'late' }).catch((e) => e);
      expect(isChatError(joinErr) && joinErr.code).toBe('unavailable');
      expect(alice.member.state).toBe('joined');
      expect(alice.session.closedWith).toEqual([]);
    });

    it('serves other rooms across nodes: one order, listings and members from every node', async () => {
      const { open } = await setup();
      const a = await open('a');
      const b = await open('b');
      const c = await open('c');
      const dev = `dev${rooms}`;
      const alice = await join(a.room, 'alice');
      const bob = await join(b.room, 'bob');
      const carol = await join(c.room, 'carol');
      await alice.member.joinRoom(dev);
      await bob.member.joinRoom(`#${dev}`);
      // Names are server-wide: carol cannot take bob's name, though bob is on another node.
      await expect(carol.member.rename('BOB')).rejects.toMatchObject({ code: 'name_taken' });
      const said = await Promise.all(
        Array.from({ length: 10 }, (_, i) => (i % 2 ? alice : bob).member.input(`d${i}`)),
      );
      expect(said.every((reply) => reply.kind === 'sent')).toBe(true);
      const inDev = (session: WaitingSession) =>
        session.events.flatMap((e) =>
          e.kind === 'message' && e.content.startsWith('d') ? [e.content] : [],
        );
      await alice.session.until((s) => inDev(s).length === 10, 'ten messages in dev');
      await bob.session.until((s) => inDev(s).length === 10, 'ten messages in dev');
      expect(inDev(bob.session)).toEqual(inDev(alice.session));
      expect(inDev(carol.session)).toEqual([]);

      // carol's node has no member in dev: the listing and /who come from the engine.
      const listing = await carol.member.rooms();
      expect(listing.find((r) => r.name === dev)).toMatchObject({ size: 2, joined: false });
      expect(await carol.member.who(dev)).toMatchObject({ names: ['alice', 'bob'], total: 2 });

      await alice.member.partRoom(dev);
      await bob.member.partRoom(dev);
      const after = await carol.member.rooms();
      expect(after.some((r) => r.name === dev)).toBe(false);
      await expect(carol.member.who(dev)).rejects.toMatchObject({ code: 'no_such_room' });
    });
  });
}
