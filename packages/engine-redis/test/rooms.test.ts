import type { Engine } from '@chatgate/core';
import { describe } from 'vitest';
import type { EngineCluster } from '../../core/test/engine-conformance.js';
import { roomsOnCluster } from '../../core/test/room-cluster.js';
import { RedisEngine } from '../src/index.js';
import { RedisServer, runRedisTests } from './redis-server.js';

// Needs Debian's redis-server; skipped only outside CI when it is absent (README).
describe.skipIf(!runRedisTests)('on a real redis-server', () => {
  roomsOnCluster('RedisEngine on a real redis-server', async ({ historySize, logSize }) => {
    const server = await RedisServer.start();
    const nodes: RedisEngine[] = [];
    const cluster: EngineCluster = {
      node: async (nodeId, options = {}) => {
        const engine = new RedisEngine({
          url: server.url,
          nodeId,
          historySize,
          logSize,
          ...options,
        });
        nodes.push(engine);
        await engine.whenReady(10_000);
        return engine;
      },
      crash: async (engine: Engine) => (engine as RedisEngine).crash(),
      close: async () => {
        await Promise.all(nodes.map((n) => n.close()));
        await server.destroy();
      },
    };
    return cluster;
  });
});
