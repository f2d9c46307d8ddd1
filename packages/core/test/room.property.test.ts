import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Engine, InProcessEngine, Room, type RoomEvent } from '../src/index.js';
import { RecordingEngine, ScrambledEngine, seededRandom, settle } from './engines.js';
import { RecordingSession } from './helpers.js';

// Name variants that collide case-insensitively or by normalisation, to stress uniqueness.
const NAMES = ['alice', 'ALICE', 'Alice', 'zoë', 'ZOE\u0308', 'bob', 'Bob', 'user1', 'user2'];

/** Independent of src/names.ts: enough to equate every variant in NAMES. */
function oracleKey(name: string): string {
  return name.normalize('NFD').toLowerCase().normalize('NFC');
}

type Op =
  | { kind: 'join'; name: number | null }
  | { kind: 'leave'; who: number }
  | { kind: 'rename'; who: number; name: number }
  | { kind: 'say'; who: number }
  | { kind: 'whisper'; who: number; to: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('join' as const), name: fc.option(fc.nat(NAMES.length - 1)) }),
  fc.record({ kind: fc.constant('leave' as const), who: fc.nat(20) }),
  fc.record({
    kind: fc.constant('rename' as const),
    who: fc.nat(20),
    name: fc.nat(NAMES.length - 1),
  }),
  fc.record({ kind: fc.constant('say' as const), who: fc.nat(20) }),
  fc.record({ kind: fc.constant('whisper' as const), who: fc.nat(20), to: fc.nat(20) }),
);

interface Tracked {
  session: RecordingSession;
  member?: Awaited<ReturnType<Room['join']>>;
}

function visibleTo(id: string, event: RoomEvent): boolean {
  if (event.kind !== 'message' || event.toId === undefined) return true;
  return event.senderId === id || event.toId === id;
}

async function runScenario(ops: Op[], engineOf: () => Engine, concurrent: boolean) {
  const engine = new RecordingEngine(engineOf());
  const room = new Room({ engine, limits: { rateBurst: 1e9, ratePerSecond: 1e9 } });
  const violations: string[] = [];

  // Names must be unique at every moment the room applies an event. The key is computed
  // here, not with the code under test's foldName, so a broken fold cannot hide a duplicate.
  const watcher = new RecordingSession();
  const originalDeliver = watcher.deliver.bind(watcher);
  watcher.deliver = (event, frame, self) => {
    const folded = room.users().map(oracleKey);
    if (new Set(folded).size !== folded.length) violations.push(`duplicate names at ${event.seq}`);
    originalDeliver(event, frame, self);
  };
  await room.join(watcher, { name: 'watcher' });

  // Handlers must see public messages in seq order and never overlap.
  let active = 0;
  let lastSeq = 0;
  room.addHandler(async (_content, _username, event) => {
    if (active++ !== 0) violations.push('handlers overlapped');
    if (event.seq <= lastSeq) violations.push('handler seq out of order');
    lastSeq = event.seq;
    await Promise.resolve();
    if (event.seq % 3 === 0) await new Promise((resolve) => setImmediate(resolve));
    active--;
  });

  const tracked: Tracked[] = [];
  const pick = (i: number) => {
    const live = tracked.filter((t) => t.member?.state === 'joined');
    return live.length === 0 ? undefined : live[i % live.length];
  };
  let n = 0;
  const pending: Promise<unknown>[] = [];
  for (const op of ops) {
    let work: Promise<unknown> = Promise.resolve();
    switch (op.kind) {
      case 'join': {
        const t: Tracked = { session: new RecordingSession() };
        tracked.push(t);
        const options = op.name === null ? {} : { name: NAMES[op.name]! };
        work = room.join(t.session, options).then((m) => {
          t.member = m;
        });
        break;
      }
      case 'leave':
        work = pick(op.who)?.member?.leave('closed') ?? work;
        break;
      case 'rename':
        work = pick(op.who)?.member?.rename(NAMES[op.name]!) ?? work;
        break;
      case 'say':
        work = pick(op.who)?.member?.say(`m${++n}`) ?? work;
        break;
      case 'whisper': {
        const to = pick(op.to);
        work = (to && pick(op.who)?.member?.whisper(to.member!.name, `p${++n}`)) ?? work;
        break;
      }
    }
    const settled = work.catch(() => {});
    if (concurrent) pending.push(settled);
    else await settled;
  }
  await Promise.all(pending);
  await settle(10);
  await room.handlersIdle();

  // Every member saw strictly increasing seqs and exactly the events visible to it.
  const log = engine.log;
  for (const t of [...tracked.filter((x) => x.member !== undefined)]) {
    const id = t.member!.id;
    const seqs = t.session.seqs();
    for (let i = 1; i < seqs.length; i++) {
      if (seqs[i]! <= seqs[i - 1]!) violations.push(`${id} saw seq out of order`);
    }
    const joinSeq = log.find((e) => e.kind === 'join' && e.memberId === id)!.seq;
    const leave = log.find((e) => e.kind === 'leave' && e.memberId === id);
    const expected = log
      .filter((e) => e.seq >= joinSeq && (leave === undefined || e.seq < leave.seq))
      .filter((e) => visibleTo(id, e))
      .map((e) => e.seq);
    if (JSON.stringify(expected) !== JSON.stringify(seqs)) {
      violations.push(`${id} expected ${expected} got ${seqs}`);
    }
  }
  const finalNames = room.users().map(oracleKey);
  if (new Set(finalNames).size !== finalNames.length) violations.push('duplicate names at end');
  return violations;
}

describe('Room > properties', () => {
  it('sequential interleavings on the in-process engine keep every invariant', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { maxLength: 60 }), async (ops) => {
        const violations = await runScenario(ops, () => new InProcessEngine(), false);
        expect(violations).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });

  it('concurrent interleavings on an async, reordering engine keep every invariant', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { maxLength: 40 }), fc.integer(), async (ops, seed) => {
        const random = seededRandom(seed);
        const violations = await runScenario(ops, () => new ScrambledEngine(random), true);
        expect(violations).toEqual([]);
      }),
      { numRuns: 80 },
    );
  });

  it('a stalled member never holds back or costs the others a message', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string({ minLength: 1, maxLength: 20 }), { minLength: 1, maxLength: 30 }),
        fc.nat(29),
        async (texts, stallAt) => {
          const room = new Room({
            limits: { rateBurst: 1e9, ratePerSecond: 1e9, maxBufferedBytes: 10 },
          });
          const sender = await room.join(new RecordingSession(), { name: 'sender' });
          const stalled = new RecordingSession();
          await room.join(stalled, { name: 'stalled' });
          const other = new RecordingSession();
          await room.join(other, { name: 'other' });
          room.addHandler(() => {
            throw new Error('handler failure');
          });
          // A handler that never finishes: dispatch stalls for good, delivery must not.
          room.addHandler(() => new Promise<void>(() => {}));
          const sent: string[] = [];
          for (let i = 0; i < texts.length; i++) {
            if (i === stallAt) stalled.bufferedBytes = 11;
            const reply = await sender.say(`${i}:${texts[i]}`).catch(() => ({ kind: 'ignored' }));
            if (reply.kind === 'sent') {
              sent.push(`${i}:${texts[i]}`);
              // Delivered by the time the send is accepted: nobody waited on anyone.
              const last = other.events.findLast((e) => e.kind === 'message');
              expect(last?.kind === 'message' && last.content).toBe(`${i}:${texts[i]}`);
            }
          }
          const received = other.events
            .filter((e) => e.kind === 'message')
            .map((e) => (e.kind === 'message' ? e.content : ''));
          expect(received).toEqual(sent);
          if (stallAt < texts.length) expect(stalled.closedWith).toEqual(['too_slow']);
        },
      ),
      { numRuns: 100 },
    );
  });
});
