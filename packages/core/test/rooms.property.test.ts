import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type DisconnectReason,
  type Engine,
  InProcessEngine,
  type Member,
  Room,
  type RoomEvent,
  type Session,
} from '../src/index.js';
import { RecordingEngine, ScrambledEngine, seededRandom, settle } from './engines.js';
import { sharedDialect } from './helpers.js';

// Variants that collide case-insensitively, to stress server-wide uniqueness.
const NAMES = ['alice', 'ALICE', 'bob', 'Bob', 'carol', 'dave'];
const ROOMS = ['#dev', 'DEV', 'ops', '#main', 'qa'];

/** Independent of src/names.ts. */
function oracleKey(name: string): string {
  return name.normalize('NFD').toLowerCase().normalize('NFC');
}

type Op =
  | { kind: 'connect'; name: number }
  | { kind: 'join'; who: number; room: number }
  | { kind: 'part'; who: number; room: number }
  | { kind: 'switch'; who: number; room: number }
  | { kind: 'say'; who: number }
  | { kind: 'whisper'; who: number; to: number }
  | { kind: 'rename'; who: number; name: number }
  | { kind: 'quit'; who: number };

const who = fc.nat(12);
const room = fc.nat(ROOMS.length - 1);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('connect' as const), name: fc.nat(NAMES.length - 1) }),
  fc.record({ kind: fc.constant('join' as const), who, room }),
  fc.record({ kind: fc.constant('join' as const), who, room }),
  fc.record({ kind: fc.constant('part' as const), who, room }),
  fc.record({ kind: fc.constant('switch' as const), who, room }),
  fc.record({ kind: fc.constant('say' as const), who }),
  fc.record({ kind: fc.constant('say' as const), who }),
  fc.record({ kind: fc.constant('whisper' as const), who, to: who }),
  fc.record({ kind: fc.constant('rename' as const), who, name: fc.nat(NAMES.length - 1) }),
  fc.record({ kind: fc.constant('quit' as const), who }),
);

/** One connection: what each of its memberships (one per room joined) was given. */
class ConnectionSession implements Session<string> {
  readonly dialect = sharedDialect;
  readonly bufferedBytes = 0;
  readonly byMembership = new Map<Member, RoomEvent[]>();
  constructor(private readonly check: (room: string) => void) {}
  deliver(event: RoomEvent, _frame: string | null, self: Member): void {
    this.check(self.roomName);
    const events = this.byMembership.get(self) ?? [];
    events.push(event);
    this.byMembership.set(self, events);
  }
  close(_reason: DisconnectReason): void {}
}

async function runScenario(ops: Op[], engineOf: () => Engine, concurrent: boolean) {
  const engine = new RecordingEngine(engineOf());
  const main = new Room({ engine, limits: { rateBurst: 1e9, ratePerSecond: 1e9 } });
  const violations: string[] = [];
  // At every delivery: no two members of any room open here share a name, and no name is held
  // by two connections anywhere (each connection's memberships share one name).
  const check = (at: string) => {
    const holders = new Map<string, Member>();
    for (const r of main.directory.open()) {
      const names = r.users().map(oracleKey);
      if (new Set(names).size !== names.length) violations.push(`duplicate names in ${r.key}`);
    }
    for (const c of connections) {
      const member = c.member;
      if (member === undefined || member.state !== 'joined') continue;
      const key = oracleKey(member.name);
      const other = holders.get(key);
      if (other !== undefined && other !== member) violations.push(`${key} twice (in ${at})`);
      holders.set(key, member);
    }
  };
  const connections: Array<{ session: ConnectionSession; member?: Member }> = [];
  const live = (i: number) => {
    const joined = connections.filter((c) => c.member?.state === 'joined');
    return joined.length === 0 ? undefined : joined[i % joined.length]!.member;
  };
  let n = 0;
  const pending: Array<Promise<unknown>> = [];
  for (const op of ops) {
    let work: Promise<unknown> | undefined;
    switch (op.kind) {
      case 'connect': {
        const c: { session: ConnectionSession; member?: Member } = {
          session: new ConnectionSession(check),
        };
        connections.push(c);
        work = main.join(c.session, { name: NAMES[op.name]! }).then((m) => {
          c.member = m;
        });
        break;
      }
      case 'join':
        work = live(op.who)?.joinRoom(ROOMS[op.room]!);
        break;
      case 'part':
        work = live(op.who)?.partRoom(ROOMS[op.room]!);
        break;
      case 'switch': {
        const member = live(op.who);
        work = member?.input(`/switch ${ROOMS[op.room]!}`);
        break;
      }
      case 'say':
        work = live(op.who)?.input(`m${++n}`);
        break;
      case 'whisper': {
        const to = live(op.to);
        work = to && live(op.who)?.whisper(to.name, `p${++n}`);
        break;
      }
      case 'rename':
        work = live(op.who)?.rename(NAMES[op.name]!);
        break;
      case 'quit':
        work = live(op.who)?.leave('quit');
        break;
    }
    const settled = (work ?? Promise.resolve()).catch(() => {});
    // Connections are made one by one, so the operations racing after them have members.
    if (concurrent && op.kind !== 'connect') pending.push(settled);
    else await settled;
  }
  await Promise.all(pending);
  await settle(10);

  // Each membership saw its room's events from its join on, in that room's order: all of them
  // while it stayed, a gapless prefix of them up to its leave.
  for (const c of connections) {
    for (const [membership, seen] of c.session.byMembership) {
      const log = engine.byRoom.get(engineRoom(main, membership)) ?? [];
      const from = log.findIndex((e) => e.kind === 'join' && e.memberId === membership.id);
      const to = log.findIndex((e) => e.kind === 'leave' && e.memberId === membership.id);
      const expected = log
        .slice(from, to < 0 ? undefined : to)
        .filter((e) => visibleTo(membership, e))
        .map((e) => e.seq);
      const got = seen.map((e) => e.seq);
      for (let i = 1; i < got.length; i++) {
        if (got[i]! <= got[i - 1]!) violations.push(`${membership.id} out of order`);
      }
      // A membership stops hearing its room once it starts to leave (it asked to): a prefix.
      const owed = to < 0 ? expected : expected.slice(0, Math.max(1, got.length));
      if (JSON.stringify(got) !== JSON.stringify(owed)) {
        violations.push(`${membership.id} in ${membership.roomName}: ${expected} != ${got}`);
      }
    }
    // Settled: every room a connection is in knows it by its one name.
    const member = c.member;
    if (member?.state === 'joined') {
      for (const m of member.memberships()) {
        if (m.name !== member.name) violations.push(`${m.name} != ${member.name} in ${m.roomName}`);
      }
    }
  }
  check('end');
  await main.close();
  return violations;
}

function engineRoom(main: Room, membership: Member): string {
  return membership.owner === undefined ? main.name : membership.roomName;
}

function visibleTo(member: Member, event: RoomEvent): boolean {
  if (event.kind !== 'message' || event.toId === undefined) return true;
  return event.senderId === member.id || event.toId === member.id;
}

describe('Rooms > properties', () => {
  it('sequential: one order per room, and names unique across rooms', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { maxLength: 60 }), async (ops) => {
        expect(await runScenario(ops, () => new InProcessEngine(), false)).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });

  it('concurrent, on an async reordering engine: the same', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { maxLength: 40 }), fc.integer(), async (ops, seed) => {
        const random = seededRandom(seed);
        expect(await runScenario(ops, () => new ScrambledEngine(random), true)).toEqual([]);
      }),
      { numRuns: 80 },
    );
  });
});
