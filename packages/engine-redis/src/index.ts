export { RedisEngine, type RedisEngineOptions, type RedisEngineStats } from './redis-engine.js';
