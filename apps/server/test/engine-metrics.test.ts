import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { follow, say } from '../../../packages/core/test/engine-conformance.js';
import { ORDER_SCRIPT } from '../../../packages/engine-redis/src/lua.js';
import {
  admin,
  dropSubscription,
  node,
  waitStatus,
} from '../../../packages/engine-redis/test/engine-helpers.js';
import { RedisServer, runRedisTests } from '../../../packages/engine-redis/test/redis-server.js';
import { registerEngineMetrics } from '../src/observability.js';

/** One sample's value from the registry's text exposition. */
async function sample(registry: Registry, name: string): Promise<number> {
  const text = await registry.metrics();
  const match = new RegExp(`^${name} ([0-9.e+-]+)$`, 'm').exec(text);
  if (match === null) throw new Error(`${name} not in /metrics:\n${text}`);
  return Number(match[1]);
}

// The engine metrics of /metrics (README "Scale out"), read from a real RedisEngine on a real
// redis-server through the same registration the server uses.
describe.skipIf(!runRedisTests)('engine metrics on Redis', { timeout: 60_000 }, () => {
  it('count publishes and their latency, and say when Redis is up', async () => {
    const server = await RedisServer.start();
    const engine = await node(server, 'a');
    const registry = new Registry();
    registerEngineMetrics(registry, engine);
    expect(await sample(registry, 'chatgate_engine_up')).toBe(1);
    expect(await sample(registry, 'chatgate_engine_publish_seconds_count')).toBe(0);

    await follow(engine, 'metrics');
    for (let i = 0; i < 3; i++) await engine.publish('metrics', say(`m${i}`));
    expect(await sample(registry, 'chatgate_engine_publish_seconds_count')).toBe(3);
    expect(await sample(registry, 'chatgate_engine_publish_seconds_sum')).toBeGreaterThan(0);

    const down = waitStatus(engine, 'unavailable');
    await server.stop();
    await down;
    expect(await sample(registry, 'chatgate_engine_up')).toBe(0);
    const up = waitStatus(engine, 'ready');
    await server.run();
    await up;
    expect(await sample(registry, 'chatgate_engine_up')).toBe(1);
    expect(await sample(registry, 'chatgate_redis_reconnects_total')).toBeGreaterThan(0);
  });

  it('count the gaps and events a node read back after its subscription dropped', async () => {
    const server = await RedisServer.start();
    const [a, b] = [await node(server, 'a'), await node(server, 'b')];
    const registry = new Registry();
    registerEngineMetrics(registry, b);
    const [onA, onB] = [await follow(a, 'blip'), await follow(b, 'blip')];
    expect(await sample(registry, 'chatgate_engine_recovered_events_total')).toBe(0);

    await dropSubscription(server, b, 'b');
    for (let i = 0; i < 5; i++) await a.publish('blip', say(`m${i}`));
    await onA.count(5);
    await onB.count(5);
    expect(await sample(registry, 'chatgate_engine_recovered_events_total')).toBe(5);
    expect(await sample(registry, 'chatgate_redis_reconnects_total')).toBe(1);
    const gapsBefore = await sample(registry, 'chatgate_engine_recovered_gaps_total');

    // A notification lost on the way: ordered into the log without a publish, then a normal one.
    await admin(server).eval(ORDER_SCRIPT, 0, ...a.orderArgs('blip', say('lost'), false));
    await a.publish('blip', say('after the gap'));
    await onB.count(7);
    expect(onB.events.map((e) => (e.kind === 'message' ? e.content : e.kind)).slice(-2)).toEqual([
      'lost',
      'after the gap',
    ]);
    expect(await sample(registry, 'chatgate_engine_recovered_gaps_total')).toBe(gapsBefore + 1);
    // The gap fill reads the lost event and the one that revealed it from the log.
    expect(await sample(registry, 'chatgate_engine_recovered_events_total')).toBe(7);
  });
});
