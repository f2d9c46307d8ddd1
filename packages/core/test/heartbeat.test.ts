import { EventEmitter } from 'node:events';
import { describe, expect, it, onTestFinished } from 'vitest';
import { Heartbeat, type Pingable } from '../src/transport.js';
import { nextEvent } from './helpers.js';

describe('Heartbeat', () => {
  it('beats every member from one interval; a deleted one is left alone; a throw stops nobody', async () => {
    const events = new EventEmitter();
    const beats: string[] = [];
    const member = (name: string, fail = false): Pingable => ({
      beat() {
        beats.push(name);
        events.emit('beat', name);
        if (fail) throw new Error('boom');
      },
    });
    const heartbeat = new Heartbeat<Pingable>(10);
    onTestFinished(() => heartbeat.stop());
    const a = member('a', true);
    const b = member('b');
    const c = member('c');
    heartbeat.add(a);
    heartbeat.add(b);
    heartbeat.add(c);
    heartbeat.delete(c);
    const tick = nextEvent(events, 'beat');
    await tick;
    // One tick beats a, then b (a's throw does not stop it).
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(beats.slice(0, 2)).toEqual(['a', 'b']);
    expect(beats).not.toContain('c');
  });
});
