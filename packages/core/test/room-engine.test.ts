import { describe, expect, it } from 'vitest';
import type { RoomEvent, SubscribeOptions } from '../src/index.js';
import { InProcessEngine, isChatError, Room } from '../src/index.js';
import { inProcessCluster } from './engines.js';
import { RecordingSession } from './helpers.js';
import { roomsOnCluster } from './room-cluster.js';

roomsOnCluster('InProcessEngine', inProcessCluster);

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
