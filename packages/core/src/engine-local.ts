import type { Engine } from './engine.js';
import type { EventDraft, MemberId, RoomEvent, Stamp } from './events.js';

interface Channel {
  seq: number;
  subscribers: Array<(event: RoomEvent) => void>;
  names: Map<string, MemberId>;
}

/**
 * The embedded single-node engine: synchronous, no I/O. `publish` stamps and delivers to
 * every subscriber before it returns, so events are applied in exactly publish order.
 */
export class InProcessEngine implements Engine {
  readonly nodeId: string;
  private readonly channels = new Map<string, Channel>();

  constructor(
    nodeId = 'local',
    private readonly now: () => number = Date.now,
  ) {
    this.nodeId = nodeId;
  }

  publish(room: string, draft: EventDraft): Promise<Stamp> {
    const channel = this.channel(room);
    const event = { ...draft, seq: ++channel.seq, ts: this.now() } as RoomEvent;
    for (const deliver of channel.subscribers) deliver(event);
    return Promise.resolve({ seq: event.seq, ts: event.ts });
  }

  subscribe(room: string, deliver: (event: RoomEvent) => void): () => void {
    const channel = this.channel(room);
    channel.subscribers = [...channel.subscribers, deliver];
    return () => {
      channel.subscribers = channel.subscribers.filter((d) => d !== deliver);
    };
  }

  claim(room: string, folded: string, by: MemberId): Promise<boolean> {
    const names = this.channel(room).names;
    const holder = names.get(folded);
    if (holder !== undefined && holder !== by) return Promise.resolve(false);
    names.set(folded, by);
    return Promise.resolve(true);
  }

  release(room: string, folded: string, by: MemberId): Promise<void> {
    const names = this.channel(room).names;
    if (names.get(folded) === by) names.delete(folded);
    return Promise.resolve();
  }

  private channel(room: string): Channel {
    let channel = this.channels.get(room);
    if (channel === undefined) {
      channel = { seq: 0, subscribers: [], names: new Map() };
      this.channels.set(room, channel);
    }
    return channel;
  }
}
