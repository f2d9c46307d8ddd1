import { isChatError } from '@chatgate/core';
import { describe, expect, it } from 'vitest';
import { follow, say } from '../../core/test/engine-conformance.js';
import { admin, commandCalls, dropSubscription, node, waitStatus } from './engine-helpers.js';
import { RedisServer, runRedisTests } from './redis-server.js';

// Needs Debian's redis-server; skipped only outside CI when it is absent (README).
describe.skipIf(!runRedisTests)('RedisEngine', () => {
  it('orders a publish in one round trip: one EVALSHA, nothing else', async () => {
    const server = await RedisServer.start();
    const engine = await node(server, 'a', { leaseMs: 120_000 });
    const tape = await follow(engine, 'rt');
    await engine.publish('rt', say('warm-up')); // loads the script (EVALSHA miss, then EVAL)
    const client = admin(server);
    const before = await commandCalls(client, 'evalsha');
    const evalBefore = await commandCalls(client, 'eval');
    const tripsBefore = engine.stats.roundTrips.publish;
    for (let i = 0; i < 10; i++) await engine.publish('rt', say(`m${i}`));
    await tape.count(11);
    expect((await commandCalls(client, 'evalsha')) - before).toBe(10);
    expect((await commandCalls(client, 'eval')) - evalBefore).toBe(0);
    expect(engine.stats.roundTrips.publish - tripsBefore).toBe(10);
  });

  it('fails at once with unavailable while Redis is down, then resubscribes and loses nothing accepted', async () => {
    const server = await RedisServer.start({ persistent: true });
    const [a, b] = [await node(server, 'a'), await node(server, 'b')];
    const [onA, onB] = [await follow(a, 'outage'), await follow(b, 'outage')];
    const accepted: string[] = [];
    for (const text of ['one', 'two']) {
      await a.publish('outage', say(text));
      accepted.push(text);
    }
    await onB.count(2);

    const down = Promise.all([waitStatus(a, 'unavailable'), waitStatus(b, 'unavailable')]);
    await server.stop();
    await down;
    const refused = await b.publish('outage', say('lost?')).catch((e: unknown) => e);
    expect(isChatError(refused) && refused.code).toBe('unavailable');

    const up = Promise.all([waitStatus(a, 'ready'), waitStatus(b, 'ready')]);
    await server.run();
    await up;
    for (const [engine, text] of [
      [b, 'three'],
      [a, 'four'],
    ] as const) {
      await engine.publish('outage', say(text));
      accepted.push(text);
    }
    await onA.count(4);
    await onB.count(4);
    expect(onA.contents()).toEqual(accepted);
    expect(onB.events).toEqual(onA.events);
    expect(onA.seqs()).toEqual([1, 2, 3, 4].map((i) => onA.syncs[0]!.position.seq + i));
    expect(a.stats.reconnects).toBeGreaterThan(0);
  });

  it('reads what a node missed while its subscription was down, before anything newer', async () => {
    const server = await RedisServer.start();
    const [a, b] = [await node(server, 'a'), await node(server, 'b')];
    const [onA, onB] = [await follow(a, 'blip'), await follow(b, 'blip')];
    await dropSubscription(server, b, 'b');
    for (let i = 0; i < 5; i++) await a.publish('blip', say(`m${i}`));
    await onA.count(5);
    await onB.count(5);
    expect(onB.events).toEqual(onA.events);
    expect(b.stats.reconnects).toBeGreaterThan(0);
    expect(b.stats.recoveredEvents).toBe(5);
  });

  it('a new subscriber on a running feed gets its own snapshot, then only what follows', async () => {
    const server = await RedisServer.start();
    const a = await node(server, 'a');
    const first = await follow(a, 'two-subs');
    await a.publish('two-subs', say('x'));
    await first.count(1);
    const second = await follow(a, 'two-subs');
    expect(second.syncs[0]!.history.map((e) => e.content)).toEqual(['x']);
    await a.publish('two-subs', say('y'));
    await second.count(1);
    expect(second.contents()).toEqual(['y']);
    expect(first.contents()).toEqual(['x', 'y']);
  });
});
