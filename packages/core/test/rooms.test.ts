import { expect, it, describe as suite } from 'vitest';
import {
  ChatError,
  type Dialect,
  type DisconnectReason,
  InProcessEngine,
  type Member,
  type Reply,
  Room,
  type RoomEvent,
  type Session,
} from '../src/index.js';
import { sharedDialect } from './helpers.js';

/** Records each delivery with the room it came from and whether that room was current. */
class RoomSession implements Session<string> {
  readonly seen: Array<{ room: string; current: boolean; event: RoomEvent; frame: string | null }> =
    [];
  closedWith: DisconnectReason[] = [];
  bufferedBytes = 0;
  constructor(readonly dialect: Dialect<string> = sharedDialect) {}
  deliver(event: RoomEvent, frame: string | null, self: Member): void {
    this.seen.push({ room: self.roomName, current: self.isCurrent, event, frame });
  }
  close(reason: DisconnectReason): void {
    this.closedWith.push(reason);
  }
  /** What this connection heard from `room`, as `kind:name/content`. */
  heard(room: string): string[] {
    return this.seen.filter((s) => s.room === room).map(({ event }) => describe(event));
  }
}

function describe(event: RoomEvent): string {
  switch (event.kind) {
    case 'message':
      return `${event.sender}: ${event.content}`;
    case 'join':
      return `+${event.name}`;
    case 'leave':
      return `-${event.name} (${event.reason})`;
    case 'rename':
      return `${event.from}=>${event.to}`;
  }
}

const FAST = { rateBurst: 1e9, ratePerSecond: 1e9 };

async function connect(room: Room, name: string, rooms = true) {
  const session = new RoomSession();
  const member = await room.join(session, { name, rooms });
  return { member, session };
}

function codeOf(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'resolved',
    (err: unknown) => (err instanceof ChatError ? err.code : String(err)),
  );
}

suite('Rooms', () => {
  it('/join makes a room and its current room; what is said there stays there', async () => {
    const main = new Room({ limits: FAST });
    const alice = await connect(main, 'alice');
    const bob = await connect(main, 'bob');
    const carol = await connect(main, 'carol');
    const joined = await alice.member.input('/join #dev');
    expect(joined).toEqual({ kind: 'room_joined', room: 'dev', size: 1, already: false });
    expect(await bob.member.input('/join dev')).toMatchObject({ room: 'dev', size: 2 });
    expect(alice.member.current.roomName).toBe('dev');

    await alice.member.input('hello dev');
    await carol.member.input('hello main');
    expect(bob.session.heard('dev')).toEqual(['+bob', 'alice: hello dev']);
    expect(alice.session.heard('dev')).toEqual(['+alice', '+bob', 'alice: hello dev']);
    expect(carol.session.heard('dev')).toEqual([]);
    // Main still reaches alice and bob, marked as not their current room.
    const fromMain = alice.session.seen.find(
      (s) => s.event.kind === 'message' && s.event.content === 'hello main',
    );
    expect(fromMain).toMatchObject({ room: 'main', current: false });
    // Each room has its own order.
    const devSeqs = alice.session.seen.filter((s) => s.room === 'dev').map((s) => s.event.seq);
    expect(devSeqs).toEqual([1, 2, 3]);
    await main.close();
  });

  it('room names follow the name rules, with an optional #, case-insensitively', async () => {
    const main = new Room({ limits: FAST });
    const alice = await connect(main, 'alice');
    expect(await codeOf(alice.member.input('/join #bad name'))).toBe('name_invalid');
    expect(await codeOf(alice.member.input('/join ##dev'))).toBe('name_invalid');
    expect(await codeOf(alice.member.input('/join #system'))).toBe('name_reserved');
    expect(await codeOf(alice.member.input(`/join ${'x'.repeat(33)}`))).toBe('name_invalid');
    expect(await codeOf(alice.member.input('/join'))).toBe('bad_request');
    await alice.member.input('/join #Dev');
    expect(await alice.member.input('/join dev')).toEqual({
      kind: 'room_joined',
      room: 'dev',
      size: 1,
      already: true,
    });
    // The default room by name: already in it, so it becomes current.
    expect(await alice.member.input('/join #MAIN')).toMatchObject({ room: 'main', already: true });
    expect(alice.member.current).toBe(alice.member);
    // Nothing but the failed attempts' absence: only main and dev exist.
    expect((await alice.member.rooms()).map((r) => r.name)).toEqual(['main', 'dev']);
    await main.close();
  });

  it('/part leaves one room (reason part); the default room cannot be parted', async () => {
    const main = new Room({ limits: FAST });
    const alice = await connect(main, 'alice');
    const bob = await connect(main, 'bob');
    await alice.member.input('/join dev');
    await bob.member.input('/join dev');
    expect(await alice.member.input('/part')).toEqual({
      kind: 'room_parted',
      room: 'dev',
      current: 'main',
    });
    expect(bob.session.heard('dev')).toContain('-alice (part)');
    expect(alice.member.current).toBe(alice.member);
    expect(await codeOf(alice.member.input('/part'))).toBe('bad_request');
    expect(await codeOf(alice.member.input('/part #dev'))).toBe('no_such_room');
    // Still in main, and bob never saw alice leave it.
    await alice.member.input('still here');
    expect(bob.session.heard('main')).toContain('alice: still here');
    expect(bob.session.heard('main')).not.toContain('-alice (part)');
    await main.close();
  });

  it('/switch moves plain text between rooms the member is in', async () => {
    const main = new Room({ limits: FAST });
    const alice = await connect(main, 'alice');
    const bob = await connect(main, 'bob');
    await alice.member.input('/join dev');
    await bob.member.input('/join dev');
    expect(await alice.member.input('/switch #main')).toEqual({
      kind: 'room_switched',
      room: 'main',
    });
    await alice.member.input('to main');
    expect(await codeOf(alice.member.input('/switch ops'))).toBe('no_such_room');
    await alice.member.input('/switch dev');
    await alice.member.input('to dev');
    expect(bob.session.heard('main')).toContain('alice: to main');
    expect(bob.session.heard('dev')).toContain('alice: to dev');
    expect(bob.session.heard('dev')).not.toContain('alice: to main');
    await main.close();
  });

  it('/rooms lists rooms with counts; an emptied room disappears, the default stays', async () => {
    const engine = new InProcessEngine();
    const main = new Room({ engine, limits: FAST });
    const alice = await connect(main, 'alice');
    const bob = await connect(main, 'bob');
    await alice.member.input('/join dev');
    await bob.member.input('/join ops');
    await bob.member.input('/join dev');
    const listing = (await alice.member.input('/rooms')) as Extract<Reply, { kind: 'rooms' }>;
    expect(listing.rooms).toEqual([
      { name: 'main', size: 2, joined: true, current: false, default: true },
      { name: 'dev', size: 2, joined: true, current: true, default: false },
      { name: 'ops', size: 1, joined: false, current: false, default: false },
    ]);
    await bob.member.input('/part ops');
    const after = await alice.member.rooms();
    expect(after.map((r) => r.name)).toEqual(['main', 'dev']);
    expect(main.directory.get('ops')).toBeUndefined();
    // The engine forgot it: a new #ops starts with no history and a fresh order.
    await expectEventually(async () => (await engine.rooms()).every((r) => r.room !== 'ops'));
    await alice.member.input('/join ops');
    expect(alice.session.seen.filter((s) => s.room === 'ops').map((s) => s.event.seq)).toEqual([1]);
    await main.close();
  });

  it('/who lists any room; an unknown room is no_such_room and creates nothing', async () => {
    const engine = new InProcessEngine();
    const main = new Room({ engine, limits: FAST });
    const alice = await connect(main, 'alice');
    const bob = await connect(main, 'bob');
    await bob.member.input('/join dev');
    expect(await alice.member.input('/who #dev')).toEqual({
      kind: 'who',
      room: 'dev',
      names: ['bob'],
      total: 1,
    });
    expect(await alice.member.input('/who')).toMatchObject({
      room: 'main',
      names: ['alice', 'bob'],
    });
    expect(await codeOf(alice.member.input('/who nowhere'))).toBe('no_such_room');
    expect((await engine.rooms()).map((r) => r.room).sort()).toEqual(['dev', 'main']);
    await main.close();
  });

  it('names are unique server-wide, and a rename reaches every room the member is in', async () => {
    const main = new Room({ limits: FAST });
    const alice = await connect(main, 'alice');
    const bob = await connect(main, 'bob');
    await alice.member.input('/join dev');
    await bob.member.input('/join dev');
    // bob is in dev too, but alice's name is taken everywhere.
    expect(await codeOf(bob.member.input('/nick ALICE'))).toBe('name_taken');
    expect(await codeOf(main.join(new RoomSession(), { name: 'Alice' }))).toBe('name_taken');
    await alice.member.input('/nick alicia');
    expect(bob.session.heard('dev')).toContain('alice=>alicia');
    expect(bob.session.heard('main')).toContain('alice=>alicia');
    expect(main.directory.get('dev')?.users()).toEqual(['alicia', 'bob']);
    // The old name is free again, server-wide.
    const newcomer = await connect(main, 'alice');
    await newcomer.member.input('/join dev');
    expect(main.directory.get('dev')?.users()).toEqual(['alicia', 'bob', 'alice']);
    await main.close();
  });

  it('a connection that ends leaves every room, with its reason', async () => {
    const main = new Room({ limits: FAST });
    const alice = await connect(main, 'alice');
    const bob = await connect(main, 'bob');
    await alice.member.input('/join dev');
    await bob.member.input('/join dev');
    await alice.member.leave('closed');
    expect(bob.session.heard('dev')).toContain('-alice (closed)');
    expect(bob.session.heard('main')).toContain('-alice (closed)');
    // The other rooms first, then the default room.
    const order = bob.session.seen.filter((s) => s.event.kind === 'leave').map((s) => s.room);
    expect(order).toEqual(['dev', 'main']);
    expect(main.directory.get('dev')?.users()).toEqual(['bob']);
    await main.close();
  });

  it('a connection ended by the room (a resume takes its name over) leaves its other rooms', async () => {
    const main = new Room({ limits: FAST });
    const alice = await connect(main, 'alice');
    const bob = await connect(main, 'bob');
    await alice.member.input('/join dev');
    await bob.member.input('/join dev');
    const again = new RoomSession();
    await main.join(again, { name: 'alice', resumeToken: alice.member.resumeToken });
    await expectEventually(async () => main.directory.get('dev')?.users().length === 1);
    expect(bob.session.heard('dev')).toContain('-alice (closed)');
    expect(main.directory.get('dev')?.users()).toEqual(['bob']);
    expect(main.users()).toEqual(['bob', 'alice']);
    await main.close();
  });

  it('a slow consumer in another room is disconnected as a whole connection', async () => {
    const main = new Room({ limits: { ...FAST, maxBufferedBytes: 10 } });
    const alice = await connect(main, 'alice');
    const bob = await connect(main, 'bob');
    await alice.member.input('/join dev');
    await bob.member.input('/join dev');
    alice.session.bufferedBytes = 11;
    await bob.member.input('flood');
    await alice.member.left;
    expect(alice.session.closedWith).toEqual(['too_slow']);
    expect(main.users()).toEqual(['bob']);
    expect(main.directory.get('dev')?.users()).toEqual(['bob']);
    await main.close();
  });

  it('limits: rooms per member and rooms in all, each with a clear error', async () => {
    const main = new Room({ limits: { ...FAST, roomsPerMember: 3, maxRooms: 4 } });
    const alice = await connect(main, 'alice');
    const bob = await connect(main, 'bob');
    await alice.member.input('/join a');
    await alice.member.input('/join b');
    const tooMany = await alice.member.input('/join c').catch((err: ChatError) => err);
    expect(tooMany).toMatchObject({ code: 'too_many_rooms' });
    expect((tooMany as ChatError).message).toMatch(/3 rooms/);
    await bob.member.input('/join c');
    // main, a, b, c: the server is full; existing rooms still take members.
    const full = await bob.member.input('/join d').catch((err: ChatError) => err);
    expect(full).toMatchObject({ code: 'too_many_rooms' });
    expect(await bob.member.input('/join a')).toMatchObject({ room: 'a', size: 2 });
    // Once a room empties, a new one fits again.
    await alice.member.input('/part b');
    const carol = await connect(main, 'carol');
    expect(await carol.member.input('/join d')).toMatchObject({ room: 'd', size: 1 });
    await main.close();
  });

  it('clients that stay in the default room are refused room commands', async () => {
    const main = new Room({ limits: FAST });
    const at = await connect(main, 'atuser', false);
    for (const command of ['/join dev', '/rooms', '/who main', '/switch main']) {
      expect(await codeOf(at.member.input(command))).toBe('bad_request');
    }
    const help = (await at.member.input('/help')) as Extract<Reply, { kind: 'help' }>;
    expect(help.commands.map((c) => c.usage)).not.toContain('/join ROOM');
    await main.close();
  });

  it('private messages are not tied to a room', async () => {
    const main = new Room({ limits: FAST });
    const alice = await connect(main, 'alice');
    const bob = await connect(main, 'bob');
    await alice.member.input('/join dev');
    await alice.member.input('@bob psst');
    const got = bob.session.seen.find((s) => s.event.kind === 'message' && s.event.toId);
    expect(got?.event).toMatchObject({ content: 'psst', to: 'bob', sender: 'alice' });
    expect(alice.session.heard('dev')).toEqual(['+alice']);
    await main.close();
  });

  it('handlers receive the room name; directory handlers see every room', async () => {
    const main = new Room({ limits: FAST });
    const seen: string[] = [];
    main.directory.addHandler((content, username, _event, room) => {
      seen.push(`${room}/${username}: ${content}`);
    });
    const alice = await connect(main, 'alice');
    await alice.member.input('in main');
    await alice.member.input('/join dev');
    await alice.member.input('in dev');
    await main.handlersIdle();
    await main.directory.get('dev')?.handlersIdle();
    expect(seen).toEqual(['main/alice: in main', 'dev/alice: in dev']);
    await main.close();
  });

  it('the rate limit is one per connection, across its rooms', async () => {
    let now = 0;
    const main = new Room({ limits: { rateBurst: 2, ratePerSecond: 1 }, now: () => now });
    const alice = await connect(main, 'alice');
    now = 10_000;
    await alice.member.input('/join dev');
    await alice.member.input('one');
    expect(await codeOf(alice.member.input('/switch main'))).toBe('rate_limited');
    await main.close();
  });

  it('a shutdown ends every room: members are told once, rooms are closed', async () => {
    const main = new Room({ limits: FAST });
    const alice = await connect(main, 'alice');
    const bob = await connect(main, 'bob');
    await alice.member.input('/join dev');
    await bob.member.input('/join dev');
    await main.close('shutdown');
    expect(alice.session.closedWith).toContain('shutdown');
    expect(main.directory.open()).toEqual([main]);
    // Nobody here heard the others leave (N² deliveries at shutdown).
    expect(bob.session.heard('dev').filter((h) => h.startsWith('-'))).toEqual([]);
  });
});

async function expectEventually(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 50; i++) {
    if (await check()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  expect(await check()).toBe(true);
}
