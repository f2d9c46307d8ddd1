import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { DeadlineQueue } from '../src/deadline-queue.js';
import { nextEvent } from './helpers.js';

describe('DeadlineQueue', () => {
  it('expires items in insertion order after the delay, skipping deleted ones', async () => {
    const events = new EventEmitter();
    const expired: string[] = [];
    const queue = new DeadlineQueue<string>(20, (item) => {
      expired.push(item);
      events.emit('expired', item);
    });
    queue.add('a');
    queue.add('b');
    queue.add('c');
    queue.delete('b');
    await nextEvent(events, 'expired');
    if (expired.length < 2) await nextEvent(events, 'expired');
    expect(expired).toEqual(['a', 'c']);
    expect(queue.size).toBe(0);
  });

  it('re-adding restarts the countdown; a throwing callback does not stop the rest', async () => {
    const events = new EventEmitter();
    const expired: string[] = [];
    let now = 0;
    const queue = new DeadlineQueue<string>(
      10,
      (item) => {
        expired.push(item);
        events.emit('expired');
        if (item === 'x') throw new Error('boom');
      },
      () => now,
    );
    queue.add('x');
    queue.add('y');
    now = 5;
    queue.add('x'); // now due at 15, after y
    now = 12;
    await nextEvent(events, 'expired');
    expect(expired).toEqual(['y']);
    now = 20;
    await nextEvent(events, 'expired');
    expect(expired).toEqual(['y', 'x']);
    queue.add('z');
    queue.stop();
    expect(queue.size).toBe(0);
  });
});
