import { describe, expect, it } from 'vitest';
import type { Engine, RoomEvent, SubscribeOptions } from '../src/index.js';
import { InProcessEngine, InProcessHub, isChatError, Room } from '../src/index.js';
import type { EngineCluster } from './engine-conformance.js';
import { RecordingSession } from './helpers.js';
import { roomsOnCluster } from './room-cluster.js';

roomsOnCluster('InProcessEngine', async ({ historySize, logSize }) => {
  const hub = new InProcessHub(historySize, logSize);
  const nodes: InProcessEngine[] = [];
  const cluster: EngineCluster = {
    node: async (nodeId, options = {}) => {
      const engine = new InProcessEngine({ nodeId, hub, ...options });
      nodes.push(engine);
      return engine;
    },
    crash: async (engine: Engine) => (engine as InProcessEngine).crash(),
    close: async () => {
      await Promise.all(nodes.map((n) => n.close()));
    },
  };
  return cluster;
});

/** An engine whose room snapshot never comes (its backend is unreachable from the start). */
class NeverSyncs extends InProcessEngine {
  override subscribe(room: string, deliver: (e: RoomEvent) => void, _options?: SubscribeOptions) {
    return super.subscribe(room, deliver);
  }
}

describe('Room readiness', () => {
  it('refuses a join with unavailable when the room cannot sync in time, instead of waiting', async () => {
    const room = new Room({ engine: new NeverSyncs(), readyTimeoutMs: 50 });
    const err = await room.join(new RecordingSession(), { name: 'alice' }).catch((e) => e);
    expect(isChatError(err) && err.code).toBe('unavailable');
    expect(room.available).toBe(false);
  });

  it('is ready at once on the in-process engine', async () => {
    const room = new Room();
    await room.ready;
    expect(room.available).toBe(true);
  });
});
