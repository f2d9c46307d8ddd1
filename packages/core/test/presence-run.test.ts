import { describe, expect, it } from 'vitest';
import type { DisconnectReason, Member, PresenceEvent, RoomEvent, Session } from '../src/index.js';
import { Room } from '../src/index.js';
import { RecordingSession, TextDialect } from './helpers.js';

interface Run {
  names: string[];
  roomSize: number;
}

/** A dialect that coalesces joins and leaves: a run is the list of `+name` / `-name`. */
class RunDialect extends TextDialect {
  runs = 0;
  encodePresence(events: ReadonlyArray<PresenceEvent>, roomSize: number): Run {
    this.runs++;
    return {
      names: events.map((e) => (e.kind === 'join' ? `+${e.name}` : `-${e.name}`)),
      roomSize,
    };
  }
}

/** Records everything it is shown, in arrival order, as text. */
class RunSession implements Session<string, Run> {
  log: string[] = [];
  bufferedBytes = 0;
  closedWith: DisconnectReason[] = [];
  private waiting: (() => void) | undefined;
  constructor(readonly dialect: RunDialect) {}
  deliver(event: RoomEvent, frame: string | null, self: Member): void {
    this.log.push(event.kind === 'join' && event.memberId === self.id ? 'welcome' : String(frame));
  }
  deliverPresence(run: Run, known: number, _self: Member): void {
    this.log.push(`run[${run.names.slice(known).join(' ')}] of ${run.roomSize}`);
    this.waiting?.();
  }
  close(reason: DisconnectReason): void {
    this.closedWith.push(reason);
  }
  /** Resolves at the next presence run (set up before the action), or rejects after `ms`. */
  nextRun(ms = 2000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no presence run')), ms);
      this.waiting = () => {
        clearTimeout(timer);
        this.waiting = undefined;
        resolve();
      };
    });
  }
}

async function joinRun(room: Room, dialect: RunDialect, name: string) {
  const session = new RunSession(dialect);
  const member = await room.join(session, { name });
  return { member, session };
}

describe('room > presence runs (dialects with encodePresence)', () => {
  it('sends the joins of one flush as one run per member, encoded once for all', async () => {
    const dialect = new RunDialect();
    const room = new Room();
    const a = await joinRun(room, dialect, 'a');
    const b = await joinRun(room, dialect, 'b');
    const c = await joinRun(room, dialect, 'c');
    const flushed = a.session.nextRun();
    await flushed; // the shared presence flush timer
    expect(dialect.runs).toBe(1);
    expect(a.session.log).toEqual(['welcome', 'run[+b +c] of 3']);
    // b joined during the run: its welcome covers its own join, the run only what came later.
    expect(b.session.log).toEqual(['welcome', 'run[+c] of 3']);
    // c's own join ends the run: nothing left for it.
    expect(c.session.log).toEqual(['welcome']);
    await room.close();
  });

  it('flushes pending presence before any other event, so each member sees one order', async () => {
    const dialect = new RunDialect();
    const room = new Room();
    const a = await joinRun(room, dialect, 'a');
    const b = await joinRun(room, dialect, 'b');
    await b.member.say('hi');
    expect(a.session.log).toEqual(['welcome', 'run[+b] of 2', 'b: hi']);
    expect(b.session.log).toEqual(['welcome', 'b: hi']);
    await room.close();
  });

  it('drops a member that leaves mid-run from the run and tells the others in order', async () => {
    const dialect = new RunDialect();
    const room = new Room();
    const a = await joinRun(room, dialect, 'a');
    const b = await joinRun(room, dialect, 'b');
    const c = await joinRun(room, dialect, 'c');
    await b.member.leave('closed');
    room.flushPresence();
    expect(a.session.log).toEqual(['welcome', 'run[+b +c -b] of 2']);
    expect(b.session.log).toEqual(['welcome']);
    expect(c.session.log).toEqual(['welcome', 'run[-b] of 2']);
    await room.close();
  });

  it('hands a member that quits the presence it is owed before it goes, and only that', async () => {
    const dialect = new RunDialect();
    const room = new Room();
    const a = await joinRun(room, dialect, 'a');
    const b = await joinRun(room, dialect, 'b');
    await joinRun(room, dialect, 'c');
    await b.member.leave('quit');
    expect(b.session.log).toEqual(['welcome', 'run[+c] of 3']);
    room.flushPresence();
    expect(a.session.log).toEqual(['welcome', 'run[+b +c -b] of 2']);
    expect(b.session.log).toEqual(['welcome', 'run[+c] of 3']);
    await room.close();
  });

  it('still delivers presence one by one to dialects without encodePresence', async () => {
    const dialect = new RunDialect();
    const room = new Room();
    const plain = new RecordingSession(new TextDialect('plain'));
    await room.join(plain, { name: 'p' });
    const a = await joinRun(room, dialect, 'a');
    await joinRun(room, dialect, 'b');
    expect(plain.frames).toEqual(['+p', '+a', '+b']);
    room.flushPresence();
    expect(a.session.log).toEqual(['welcome', 'run[+b] of 3']);
    await room.close();
  });

  it('disconnects a member over maxBufferedBytes instead of handing it the run', async () => {
    const dialect = new RunDialect();
    const room = new Room({ limits: { maxBufferedBytes: 100 } });
    const a = await joinRun(room, dialect, 'a');
    const b = await joinRun(room, dialect, 'b');
    await joinRun(room, dialect, 'c');
    a.session.bufferedBytes = 101;
    room.flushPresence();
    expect(a.session.log).toEqual(['welcome']);
    expect(a.session.closedWith).toEqual(['too_slow']);
    expect(b.session.log).toEqual(['welcome', 'run[+c] of 3']);
    expect(room.stats.drops.too_slow).toBe(1);
    await room.close();
  });
});
