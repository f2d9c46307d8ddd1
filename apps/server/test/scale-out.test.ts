import { describe, expect, it } from 'vitest';
import { RedisServer, runRedisTests } from '../../../packages/engine-redis/test/redis-server.js';
import { startChatgate } from './helpers.js';
import { WsWatcher } from './ws-watcher.js';

function node(redis: RedisServer, id: string, leaseMs = 15_000) {
  return startChatgate([
    `--redis=${redis.url}`,
    `--node-id=${id}`,
    `--lease-ms=${leaseMs}`,
    '--rate-burst=1000',
    '--rate-per-second=1000',
  ]);
}

async function readyz(port: number): Promise<number> {
  return (await fetch(`http://127.0.0.1:${port}/readyz`)).status;
}

/** Polls /readyz on each answer until it gives `status` (no fixed sleeps: one request at a time). */
async function readyzBecomes(port: number, status: number, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if ((await readyz(port)) === status) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`/readyz never answered ${status}`);
}

// Several real processes per test on a shared 2-core box: generous per-test time.
// Needs Debian's redis-server; skipped only outside CI when it is absent (README).
describe.skipIf(!runRedisTests)(
  'chatgate on Redis: several nodes, one room',
  { timeout: 60_000 },
  () => {
    it('a SIGKILLed node: its members leave everywhere within the lease (timeout) and their names are free', async () => {
      const redis = await RedisServer.start();
      const leaseMs = 1500;
      const a = await node(redis, 'a', leaseMs);
      const b = await node(redis, 'b', leaseMs);
      const watcher = await WsWatcher.open(a.ports.http!, 'watcher');
      expect(await watcher.joined()).toBe(true);
      const victim = await WsWatcher.open(b.ports.http!, 'victim');
      expect(await victim.joined()).toBe(true);
      await watcher.frame((f) => f.type === 'join' && f.name === 'victim', 'victim joins');

      b.child.kill('SIGKILL');
      const leave = await watcher.frame(
        (f) => f.type === 'leave' && f.name === 'victim',
        'the dead node member leaving',
        leaseMs * 6,
      );
      expect(leave.reason).toBe('timeout');
      const again = await WsWatcher.open(a.ports.http!, 'Victim');
      expect(await again.joined()).toBe(true);
    });

    it('a SIGTERMed node: its members leave everywhere at once', async () => {
      const redis = await RedisServer.start();
      // A lease far longer than the wait: only the clean shutdown can explain the leave.
      const a = await node(redis, 'a', 120_000);
      const b = await node(redis, 'b', 120_000);
      const watcher = await WsWatcher.open(a.ports.http!, 'watcher');
      expect(await watcher.joined()).toBe(true);
      const leaver = await WsWatcher.open(b.ports.http!, 'leaver');
      expect(await leaver.joined()).toBe(true);
      await watcher.frame((f) => f.type === 'join' && f.name === 'leaver', 'leaver joins');
      b.child.kill('SIGTERM');
      const leave = await watcher.frame(
        (f) => f.type === 'leave' && f.name === 'leaver',
        'leaver leaving',
      );
      expect(leave.reason).toBe('shutdown');
      expect(await b.exited).toBe(0);
      const again = await WsWatcher.open(a.ports.http!, 'leaver');
      expect(await again.joined()).toBe(true);
    });

    it('100 racing joins for one name across three nodes: exactly one wins', async () => {
      const redis = await RedisServer.start();
      const nodes = [await node(redis, 'a'), await node(redis, 'b'), await node(redis, 'c')];
      const clients = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          WsWatcher.open(nodes[i % 3]!.ports.http!, i % 2 ? 'Racer' : 'racer'),
        ),
      );
      const outcomes = await Promise.all(clients.map((c) => c.joined()));
      expect(outcomes.filter(Boolean)).toHaveLength(1);
      const refusal = clients[outcomes.indexOf(false)]!.frames.find(
        (f) => f.type === 'login_response',
      );
      expect(refusal).toMatchObject({ success: false, message: 'User already connected' });
    });

    it('Redis stops mid-chat: senders get unavailable, members stay, /readyz 503; after restart nothing accepted is lost and the order holds', async () => {
      const redis = await RedisServer.start({ persistent: true });
      const a = await node(redis, 'a');
      const b = await node(redis, 'b');
      const alice = await WsWatcher.open(a.ports.http!, 'alice');
      expect(await alice.joined()).toBe(true);
      const bob = await WsWatcher.open(b.ports.http!, 'bob');
      expect(await bob.joined()).toBe(true);
      alice.say('before-1');
      bob.say('before-2');
      for (const w of [alice, bob]) {
        await w.frame((f) => f.content === 'before-1', 'before-1');
        await w.frame((f) => f.content === 'before-2', 'before-2');
      }

      await redis.stop();
      await readyzBecomes(a.ports.http!, 503);
      alice.say('during');
      const refused = await alice.frame((f) => f.type === 'error', 'an error frame');
      expect(refused.code).toBe('unavailable');
      expect(alice.closed || bob.closed).toBe(false);

      await redis.run();
      await readyzBecomes(a.ports.http!, 200);
      await readyzBecomes(b.ports.http!, 200);
      bob.say('after-1');
      alice.say('after-2');
      for (const w of [alice, bob]) {
        await w.frame((f) => f.content === 'after-1', 'after-1');
        await w.frame((f) => f.content === 'after-2', 'after-2');
      }
      expect(alice.chats()).toEqual(bob.chats());
      expect(alice.chats()).toEqual(
        expect.arrayContaining(['before-1', 'before-2', 'after-1', 'after-2']),
      );
      expect(alice.chats()).not.toContain('during');
      expect(alice.closed || bob.closed).toBe(false);
    });
  },
);
