import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { Member, RoomEvent } from '../src/index.js';
import { type DeferredWriter, isOthersPresence, schedulePresenceFlush } from '../src/transport.js';
import { nextEvent } from './helpers.js';

describe('schedulePresenceFlush', () => {
  it('flushes every waiting writer once, in scheduling order, from one shared timer', async () => {
    const events = new EventEmitter();
    const flushed: string[] = [];
    const writer = (name: string): DeferredWriter => ({
      flushDeferred() {
        flushed.push(name);
        events.emit('flushed', name);
      },
    });
    const done = nextEvent(events, 'flushed');
    schedulePresenceFlush(writer('a'));
    schedulePresenceFlush(writer('b'));
    schedulePresenceFlush(writer('c'));
    expect(flushed).toEqual([]);
    await done;
    // All three ran in the same flush: by the time the first one's event fired, they all had.
    await Promise.resolve();
    expect(flushed).toEqual(['a', 'b', 'c']);
  });

  it('keeps flushing the others when one writer throws', async () => {
    const events = new EventEmitter();
    const done = nextEvent(events, 'flushed');
    schedulePresenceFlush({
      flushDeferred() {
        throw new Error('boom');
      },
    });
    schedulePresenceFlush({ flushDeferred: () => events.emit('flushed') });
    await done;
  });

  it('a writer scheduled after a flush waits for the next one', async () => {
    const events = new EventEmitter();
    const first = nextEvent(events, 'one');
    schedulePresenceFlush({ flushDeferred: () => events.emit('one') });
    await first;
    const second = nextEvent(events, 'two');
    schedulePresenceFlush({ flushDeferred: () => events.emit('two') });
    await second;
  });
});

describe('isOthersPresence', () => {
  const self = { id: 'n:1' } as Member;
  const join = (memberId: string): RoomEvent => ({
    kind: 'join',
    seq: 1,
    ts: 1,
    memberId,
    name: 'x',
  });

  it('is true only for someone else join or leave', () => {
    expect(isOthersPresence(join('n:2'), self)).toBe(true);
    expect(isOthersPresence({ ...join('n:2'), kind: 'leave', reason: 'quit' }, self)).toBe(true);
    expect(isOthersPresence(join('n:1'), self)).toBe(false);
    expect(
      isOthersPresence(
        { kind: 'rename', seq: 1, ts: 1, memberId: 'n:2', from: 'a', to: 'b' },
        self,
      ),
    ).toBe(false);
    expect(
      isOthersPresence(
        {
          kind: 'message',
          seq: 1,
          ts: 1,
          senderId: 'n:2',
          sender: 'b',
          content: 'hi',
          agent: false,
        },
        self,
      ),
    ).toBe(false);
  });
});
