import { describe, expect, it } from 'vitest';
import { HandlerQueue } from '../src/handlers.js';
import type { Logger, MessageEvent } from '../src/index.js';

function message(seq: number, content = `m${seq}`): MessageEvent {
  return { kind: 'message', seq, ts: seq, senderId: 'n:1', sender: 'alice', content, agent: false };
}

function recordingLogger() {
  const errors: Array<{ obj: Record<string, unknown>; msg?: string }> = [];
  const logger: Logger = {
    debug: () => {},
    info: () => {},
    warn: () => {},
    error: (obj, msg) => errors.push({ obj: obj as Record<string, unknown>, msg }),
    child: () => logger,
  };
  return { logger, errors };
}

/** A promise the test settles by hand. */
function gate() {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

describe('HandlerQueue', () => {
  it('runs every handler in registration order, one message at a time, awaited', async () => {
    const queue = new HandlerQueue(recordingLogger().logger);
    const calls: string[] = [];
    const first = gate();
    queue.add(async (content) => {
      calls.push(`a:${content}`);
      if (content === 'm1') await first.promise;
    });
    queue.add((content) => {
      calls.push(`b:${content}`);
    });
    queue.enqueue(message(1));
    queue.enqueue(message(2));
    await Promise.resolve();
    // m1's first handler is still running: nothing else has started.
    expect(calls).toEqual(['a:m1']);
    expect(queue.backlog).toBe(2);
    first.open();
    await queue.idle();
    expect(calls).toEqual(['a:m1', 'b:m1', 'a:m2', 'b:m2']);
    expect(queue.backlog).toBe(0);
  });

  it('logs a throwing or rejecting handler with the seq and keeps going', async () => {
    const { logger, errors } = recordingLogger();
    const queue = new HandlerQueue(logger);
    const seen: number[] = [];
    queue.add((_c, _u, event) => {
      if (event.seq === 1) throw new Error('sync boom');
    });
    queue.add(async (_c, _u, event) => {
      if (event.seq === 2) throw new Error('async boom');
    });
    queue.add((_c, _u, event) => {
      seen.push(event.seq);
    });
    queue.enqueue(message(1));
    queue.enqueue(message(2));
    queue.enqueue(message(3));
    await queue.idle();
    expect(seen).toEqual([1, 2, 3]);
    expect(errors.map((e) => e.obj.seq)).toEqual([1, 2]);
  });

  it('queues nothing without handlers, and an unsubscribed handler is not called again', async () => {
    const queue = new HandlerQueue(recordingLogger().logger);
    queue.enqueue(message(1));
    expect(queue.backlog).toBe(0);
    await queue.idle();
    const seen: number[] = [];
    const off = queue.add((_c, _u, event) => {
      seen.push(event.seq);
    });
    queue.enqueue(message(2));
    await queue.idle();
    off();
    queue.enqueue(message(3));
    await queue.idle();
    expect(seen).toEqual([2]);
    expect(queue.size).toBe(0);
  });

  it('passes content, sender and the event, and keeps order over a long run', async () => {
    const queue = new HandlerQueue(recordingLogger().logger);
    const seen: Array<[string, string, number]> = [];
    queue.add(async (content, username, event) => {
      await Promise.resolve();
      seen.push([content, username, event.seq]);
    });
    for (let seq = 1; seq <= 3000; seq++) queue.enqueue(message(seq));
    await queue.idle();
    expect(seen).toHaveLength(3000);
    expect(seen[0]).toEqual(['m1', 'alice', 1]);
    expect(seen.every(([, , seq], i) => seq === i + 1)).toBe(true);
  });
});

describe('HandlerQueue > stop (a drain that ran out of time)', () => {
  it('starts no handler call after stop, lets the running one finish, and reports the dropped', async () => {
    const queue = new HandlerQueue(recordingLogger().logger);
    const started: string[] = [];
    const running = gate();
    queue.add(async (content) => {
      started.push(`a:${content}`);
      await running.promise;
    });
    queue.add((content) => {
      started.push(`b:${content}`);
    });
    for (let seq = 1; seq <= 20; seq++) queue.enqueue(message(seq));
    expect(started).toEqual(['a:m1']);
    expect(queue.stop()).toBe(19);
    const idle = queue.idle();
    running.open();
    await idle;
    // One macrotask later: nothing else was started, not even m1's second handler.
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual(['a:m1']);
    queue.enqueue(message(21));
    expect(queue.backlog).toBe(0);
    expect(started).toEqual(['a:m1']);
  });
});
