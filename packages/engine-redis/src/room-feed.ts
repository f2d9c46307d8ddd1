import type { Logger, Position, Recovery, RoomEvent, RoomSnapshot } from '@chatgate/core';

/** What a feed needs from its engine: the two catch-up reads. */
export interface FeedSource {
  snapshot(room: string): Promise<RoomSnapshot>;
  recover(room: string, since: Position): Promise<Recovery>;
}

interface Listener {
  deliver: (event: RoomEvent) => void;
  onSync: ((snapshot: RoomSnapshot) => void) | undefined;
  /** Last seq this listener was given (or its snapshot covered). */
  seq: number;
  /** Events held while the listener waits for its own first snapshot. */
  pending: RoomEvent[] | undefined;
}

/** Counters the engine exports. */
export interface FeedStats {
  recoveredGaps: number;
  recoveredEvents: number;
  resyncs: number;
}

/**
 * One room's notifications on one node, turned into a gapless order. A notification whose
 * seq skips ahead (pub/sub dropped one, or the node was disconnected) is held while the
 * missing events are read from the room's log; one from another epoch (Redis lost its data)
 * makes every listener resync from a fresh snapshot. Nothing newer is delivered before what
 * came before it, and nothing twice.
 */
export class RoomFeed {
  private epoch: string | undefined;
  private seq = 0;
  private readonly listeners = new Set<Listener>();
  private busy = false;
  private readonly held: Array<{ epoch: string; event: RoomEvent }> = [];

  constructor(
    readonly room: string,
    private readonly source: FeedSource,
    private readonly stats: FeedStats,
    private readonly log: Logger,
  ) {}

  get size(): number {
    return this.listeners.size;
  }

  /** The position this node has applied up to, if synced. */
  get position(): Position | undefined {
    return this.epoch === undefined ? undefined : { epoch: this.epoch, seq: this.seq };
  }

  add(deliver: (event: RoomEvent) => void, onSync?: (snapshot: RoomSnapshot) => void): () => void {
    const listener: Listener = { deliver, onSync, seq: this.seq, pending: undefined };
    this.listeners.add(listener);
    if (onSync !== undefined || this.epoch === undefined) {
      listener.pending = [];
      if (this.epoch !== undefined) void this.syncOne(listener);
    }
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** A notification from pub/sub: "<epoch>\n<event JSON>". */
  notify(message: string): void {
    const newline = message.indexOf('\n');
    let event: RoomEvent;
    try {
      event = JSON.parse(message.slice(newline + 1)) as RoomEvent;
    } catch (err) {
      this.log.error({ err, room: this.room }, 'unreadable notification');
      return;
    }
    this.held.push({ epoch: message.slice(0, newline), event });
    this.drain();
  }

  /** After (re)subscribing: read what was missed (or the first snapshot), then go on. */
  catchUp(): void {
    if (this.busy) return;
    const position = this.position;
    if (position === undefined) {
      void this.resync();
      return;
    }
    void this.fill(position);
  }

  private drain(): void {
    while (!this.busy && this.held.length > 0) {
      const { epoch, event } = this.held[0]!;
      if (this.epoch === undefined) return; // the first snapshot is on its way
      if (epoch !== this.epoch) {
        void this.resync();
        return;
      }
      if (event.seq > this.seq + 1) {
        this.stats.recoveredGaps++;
        void this.fill({ epoch, seq: this.seq });
        return;
      }
      this.held.shift();
      if (event.seq === this.seq + 1) this.apply(event);
    }
  }

  private async fill(since: Position): Promise<void> {
    this.busy = true;
    try {
      const recovery = await this.source.recover(this.room, since);
      switch (recovery.kind) {
        case 'events':
          for (const event of recovery.events) {
            if (event.seq !== this.seq + 1) continue;
            this.stats.recoveredEvents++;
            this.apply(event);
          }
          break;
        case 'reset':
          this.sync(recovery.snapshot);
          break;
      }
    } catch (err) {
      // Redis is unreachable; the reconnect calls catchUp again.
      this.log.warn({ err, room: this.room }, 'catching up failed; waiting for Redis');
      this.busy = false;
      return;
    }
    this.busy = false;
    this.drain();
  }

  private async resync(): Promise<void> {
    this.busy = true;
    try {
      this.sync(await this.source.snapshot(this.room));
    } catch (err) {
      this.log.warn({ err, room: this.room }, 'resync failed; waiting for Redis');
      this.busy = false;
      return;
    }
    this.busy = false;
    this.drain();
  }

  private sync(snapshot: RoomSnapshot): void {
    if (this.epoch !== undefined) this.stats.resyncs++;
    this.epoch = snapshot.position.epoch;
    this.seq = snapshot.position.seq;
    for (const listener of this.listeners) {
      listener.pending = undefined;
      listener.seq = this.seq;
      call(listener.onSync, snapshot, this.log);
    }
  }

  /** A listener that joined a running feed gets its own snapshot, then what followed it. */
  private async syncOne(listener: Listener): Promise<void> {
    let snapshot: RoomSnapshot;
    try {
      snapshot = await this.source.snapshot(this.room);
    } catch (err) {
      this.log.warn({ err, room: this.room }, 'snapshot for a new subscriber failed');
      return;
    }
    if (listener.pending === undefined || !this.listeners.has(listener)) return;
    if (snapshot.position.epoch !== this.epoch) {
      void this.resync();
      return;
    }
    const pending = listener.pending;
    listener.pending = undefined;
    listener.seq = snapshot.position.seq;
    call(listener.onSync, snapshot, this.log);
    for (const event of pending) this.give(listener, event);
  }

  private apply(event: RoomEvent): void {
    this.seq = event.seq;
    for (const listener of this.listeners) {
      if (listener.pending !== undefined) listener.pending.push(event);
      else this.give(listener, event);
    }
  }

  private give(listener: Listener, event: RoomEvent): void {
    if (event.seq <= listener.seq) return;
    listener.seq = event.seq;
    try {
      listener.deliver(event);
    } catch (err) {
      this.log.error({ err, seq: event.seq }, 'a subscriber threw');
    }
  }
}

function call(
  onSync: ((snapshot: RoomSnapshot) => void) | undefined,
  snapshot: RoomSnapshot,
  log: Logger,
) {
  try {
    onSync?.(snapshot);
  } catch (err) {
    log.error({ err }, 'a subscriber threw on sync');
  }
}
