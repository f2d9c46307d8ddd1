import type { Engine } from '@chatgate/core';
import { Redis } from 'ioredis';
import { onTestFinished } from 'vitest';
import type { ClusterOptions, EngineCluster } from '../../core/test/engine-conformance.js';
import { RedisEngine, type RedisEngineOptions } from '../src/index.js';
import { ORDER_SCRIPT } from '../src/lua.js';
import { RedisServer } from './redis-server.js';

/** A RedisEngine node on `server`, ready, closed when the test ends. */
export async function node(
  server: RedisServer,
  nodeId: string,
  options: Partial<RedisEngineOptions> = {},
) {
  const engine = new RedisEngine({ url: server.url, nodeId, ...options });
  onTestFinished(() => engine.close());
  await engine.whenReady(10_000);
  return engine;
}

export function admin(server: RedisServer): Redis {
  const client = new Redis(server.url);
  onTestFinished(() => client.disconnect());
  return client;
}

export async function commandCalls(client: Redis, command: string): Promise<number> {
  const info = await client.info('commandstats');
  const match = new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(info);
  return match === null ? 0 : Number(match[1]);
}

export function waitStatus(engine: RedisEngine, status: 'ready' | 'unavailable', ms = 10_000) {
  if (engine.status === status) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`status never became ${status}`)), ms);
    const stop = engine.onStatus((s) => {
      if (s !== status) return;
      clearTimeout(timer);
      stop();
      resolve();
    });
  });
}

/**
 * Kills `nodeId`'s pub/sub connection in Redis (as a network fault would) and waits until
 * that node's engine says it is unavailable; its client reconnects by itself.
 */
export async function dropSubscription(
  server: RedisServer,
  engine: RedisEngine,
  nodeId: string,
): Promise<void> {
  const client = admin(server);
  const list = await client.client('LIST', 'TYPE', 'pubsub');
  const id = new RegExp(`id=(\\d+) .*name=chatgate:${nodeId} `).exec(String(list))?.[1];
  if (id === undefined) throw new Error(`no pub/sub connection of node ${nodeId}`);
  const down = waitStatus(engine, 'unavailable');
  await client.client('KILL', 'ID', id);
  await down;
}

/**
 * A cluster of RedisEngine nodes on a fresh redis-server, for the shared suites in core's
 * tests (engine conformance, rooms across nodes); `close` ends the nodes, then the server.
 */
export async function redisCluster(sizes: ClusterOptions): Promise<EngineCluster> {
  const server = await RedisServer.start();
  const nodes: RedisEngine[] = [];
  const admin = new Redis(server.url);
  return {
    node: async (nodeId, options = {}) => {
      const engine = new RedisEngine({
        url: server.url,
        nodeId,
        historySize: sizes.historySize,
        logSize: sizes.logSize,
        leaseMs: options.leaseMs ?? 15_000,
      });
      nodes.push(engine);
      await engine.whenReady(10_000);
      return engine;
    },
    crash: async (engine: Engine) => (engine as RedisEngine).crash(),
    orderSilently: async (room, draft) => {
      await admin.eval(ORDER_SCRIPT, 0, ...nodes[0]!.orderArgs(room, draft, false));
    },
    wipe: async () => {
      await admin.flushall();
    },
    close: async () => {
      await Promise.all(nodes.map((n) => n.close()));
      admin.disconnect();
      await server.destroy();
    },
  };
}
