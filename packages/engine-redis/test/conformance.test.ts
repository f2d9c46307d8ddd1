import type { Engine } from '@chatgate/core';
import { Redis } from 'ioredis';
import { describe } from 'vitest';
import { type EngineCluster, engineConformance } from '../../core/test/engine-conformance.js';
import { RedisEngine } from '../src/index.js';
import { ORDER_SCRIPT } from '../src/lua.js';
import { RedisServer, runRedisTests } from './redis-server.js';

// Needs Debian's redis-server; skipped only outside CI when it is absent (README).
describe.skipIf(!runRedisTests)('on a real redis-server', () => {
  engineConformance(
    'RedisEngine on a real redis-server',
    async ({ historySize, logSize }) => {
      const server = await RedisServer.start();
      const nodes: RedisEngine[] = [];
      const admin = new Redis(server.url);
      const cluster: EngineCluster = {
        node: async (nodeId, options = {}) => {
          const engine = new RedisEngine({
            url: server.url,
            nodeId,
            historySize,
            logSize,
            leaseMs: options.leaseMs ?? 15_000,
          });
          nodes.push(engine);
          await engine.whenReady(10_000);
          return engine;
        },
        crash: async (engine: Engine) => (engine as RedisEngine).crash(),
        orderSilently: async (room, draft) => {
          const args = nodes[0]!.orderArgs(room, draft, false);
          await admin.eval(ORDER_SCRIPT, 0, ...args);
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
      return cluster;
    },
    { networked: true },
  );
});
