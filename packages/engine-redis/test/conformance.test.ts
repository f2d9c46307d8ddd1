import { describe } from 'vitest';
import { engineConformance } from '../../core/test/engine-conformance.js';
import { redisCluster } from './engine-helpers.js';
import { runRedisTests } from './redis-server.js';

// Needs Debian's redis-server; skipped only outside CI when it is absent (README).
describe.skipIf(!runRedisTests)('on a real redis-server', () => {
  engineConformance('RedisEngine on a real redis-server', redisCluster, { networked: true });
});
