import { BoundedLog } from './bounded-log.js';
import {
  DEFAULT_LEASE_MS,
  type Engine,
  type EngineStatus,
  nodeOfMember,
  type Position,
  type PresenceEntry,
  type Recovery,
  type RoomListing,
  type RoomSnapshot,
  type SubscribeOptions,
} from './engine.js';
import { ChatError } from './errors.js';
import type { EventDraft, MemberId, MessageEvent, RoomEvent, Stamp } from './events.js';
import { isPublicMessage, stampEvent } from './events.js';

/** Public messages a room's engine keeps, unless configured. */
export const DEFAULT_ENGINE_HISTORY = 100;
/** Events of any kind kept for recovery (gap fill, client resume), unless configured. */
export const DEFAULT_ENGINE_LOG = 1000;

interface Subscriber {
  engine: InProcessEngine;
  deliver: (event: RoomEvent) => void;
}

interface Channel {
  seq: number;
  subscribers: Subscriber[];
  names: Map<string, MemberId>;
  /**
   * The keys each member holds in `names` (one or two: name and look-alike key), so a leave
   * frees them without a scan. An array, not a Set: ~150 bytes less per member.
   */
  held: Map<MemberId, string[]>;
  /** Resume tokens of name claims, by folded name. */
  tokens: Map<string, string>;
  presence: Map<MemberId, PresenceEntry>;
  /** Every event, oldest first, at most `logSize`. */
  log: BoundedLog<RoomEvent>;
  /** Public messages, oldest first, at most `historySize`. */
  history: BoundedLog<MessageEvent>;
}

function hold(channel: Channel, key: string, by: MemberId): void {
  const previous = channel.names.get(key);
  if (previous !== undefined && previous !== by) dropKey(channel, previous, key);
  channel.names.set(key, by);
  const keys = channel.held.get(by);
  if (keys === undefined) channel.held.set(by, [key]);
  else if (!keys.includes(key)) keys.push(key);
}

/** Forgets that `holder` holds `key` (names itself is the caller's). */
function dropKey(channel: Channel, holder: MemberId, key: string): void {
  const keys = channel.held.get(holder);
  if (keys === undefined) return;
  const at = keys.indexOf(key);
  if (at >= 0) keys.splice(at, 1);
  if (keys.length === 0) channel.held.delete(holder);
}

function unhold(channel: Channel, key: string): void {
  const holder = channel.names.get(key);
  if (holder === undefined) return;
  channel.names.delete(key);
  channel.tokens.delete(key);
  dropKey(channel, holder, key);
}

function unholdAll(channel: Channel, by: MemberId): void {
  const keys = channel.held.get(by);
  if (keys === undefined) return;
  for (const key of [...keys]) unhold(channel, key);
}

/**
 * The shared state several InProcessEngines of one process run on: one epoch, one order per
 * room, node leases. A hub is what Redis is to RedisEngine, without I/O.
 */
export class InProcessHub {
  readonly epoch = globalThis.crypto.randomUUID();
  readonly channels = new Map<string, Channel>();
  /** Node id -> lease expiry (ms). */
  readonly leases = new Map<string, number>();

  constructor(
    readonly historySize = DEFAULT_ENGINE_HISTORY,
    readonly logSize = DEFAULT_ENGINE_LOG,
  ) {}

  channel(room: string): Channel {
    let channel = this.channels.get(room);
    if (channel === undefined) {
      channel = {
        seq: 0,
        subscribers: [],
        names: new Map(),
        held: new Map(),
        tokens: new Map(),
        presence: new Map(),
        log: new BoundedLog(this.logSize),
        history: new BoundedLog(this.historySize),
      };
      this.channels.set(room, channel);
    }
    return channel;
  }
}

export interface InProcessEngineOptions {
  nodeId?: string;
  /** Clock for stamps and leases; injectable for tests. */
  now?: () => number;
  /** Share one hub between engines to run several nodes in one process (tests). */
  hub?: InProcessHub;
  leaseMs?: number;
}

/**
 * The embedded engine: synchronous, no I/O. `publish` stamps and delivers to every subscriber
 * before it returns, so events are applied in exactly publish order. Engines sharing a hub
 * behave as nodes of one cluster, with leases and heartbeats; alone, an engine is one node
 * whose lease never lapses while its process runs.
 */
export class InProcessEngine implements Engine {
  readonly nodeId: string;
  readonly leaseMs: number;
  private readonly now: () => number;
  private readonly hub: InProcessHub;
  private state: EngineStatus = 'ready';
  private readonly statusListeners = new Set<(status: EngineStatus) => void>();
  private heartbeat: ReturnType<typeof setInterval> | undefined;

  constructor(nodeIdOrOptions: string | InProcessEngineOptions = {}, now?: () => number) {
    const options =
      typeof nodeIdOrOptions === 'string' ? { nodeId: nodeIdOrOptions, now } : nodeIdOrOptions;
    this.nodeId = options.nodeId ?? 'local';
    this.now = options.now ?? Date.now;
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.hub = options.hub ?? new InProcessHub();
    this.renew();
    if (options.hub !== undefined) {
      // Only a shared hub has other nodes to watch; unref so a forgotten engine never holds
      // the process open.
      this.heartbeat = setInterval(() => this.beat(), Math.max(1, this.leaseMs / 3));
      this.heartbeat.unref?.();
    }
  }

  get status(): EngineStatus {
    return this.state;
  }

  onStatus(listener: (status: EngineStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  publish(room: string, draft: EventDraft): Promise<Stamp> {
    if (this.state !== 'ready') return Promise.reject(new ChatError('unavailable'));
    const event = this.order(room, draft);
    return Promise.resolve({ seq: event.seq, ts: event.ts });
  }

  subscribe(
    room: string,
    deliver: (event: RoomEvent) => void,
    options: SubscribeOptions = {},
  ): () => void {
    const channel = this.hub.channel(room);
    const subscriber: Subscriber = { engine: this, deliver };
    options.onSync?.(this.snapshotOf(channel));
    channel.subscribers = [...channel.subscribers, subscriber];
    return () => {
      channel.subscribers = channel.subscribers.filter((s) => s !== subscriber);
    };
  }

  recover(room: string, since: Position): Promise<Recovery> {
    if (this.state !== 'ready') return Promise.reject(new ChatError('unavailable'));
    const channel = this.hub.channel(room);
    const oldest = channel.log.first()?.seq ?? channel.seq + 1;
    if (since.epoch !== this.hub.epoch || since.seq > channel.seq || since.seq < oldest - 1) {
      return Promise.resolve({ kind: 'reset', snapshot: this.snapshotOf(channel) });
    }
    const events = channel.log.filter((event) => event.seq > since.seq);
    return Promise.resolve({ kind: 'events', events, position: this.positionOf(channel) });
  }

  snapshot(room: string): Promise<RoomSnapshot> {
    if (this.state !== 'ready') return Promise.reject(new ChatError('unavailable'));
    return Promise.resolve(this.snapshotOf(this.hub.channel(room)));
  }

  claim(room: string, folded: string, by: MemberId, token?: string): Promise<boolean> {
    if (this.state !== 'ready') return Promise.reject(new ChatError('unavailable'));
    const channel = this.hub.channel(room);
    const holder = channel.names.get(folded);
    if (holder !== undefined && holder !== by) return Promise.resolve(false);
    hold(channel, folded, by);
    if (token !== undefined) channel.tokens.set(folded, token);
    return Promise.resolve(true);
  }

  takeOver(room: string, folded: string, by: MemberId, token: string): Promise<MemberId | null> {
    if (this.state !== 'ready') return Promise.reject(new ChatError('unavailable'));
    const channel = this.hub.channel(room);
    const holder = channel.names.get(folded);
    if (holder === undefined || channel.tokens.get(folded) !== token) return Promise.resolve(null);
    hold(channel, folded, by);
    return Promise.resolve(holder);
  }

  release(room: string, folded: string, by: MemberId): Promise<void> {
    if (this.state !== 'ready') return Promise.reject(new ChatError('unavailable'));
    const channel = this.hub.channel(room);
    if (channel.names.get(folded) === by) unhold(channel, folded);
    return Promise.resolve();
  }

  rooms(): Promise<RoomListing[]> {
    if (this.state !== 'ready') return Promise.reject(new ChatError('unavailable'));
    const listing: RoomListing[] = [];
    for (const [room, channel] of this.hub.channels) {
      if (channel.presence.size > 0) listing.push({ room, size: channel.presence.size });
    }
    return Promise.resolve(listing);
  }

  discard(room: string): Promise<boolean> {
    if (this.state !== 'ready') return Promise.reject(new ChatError('unavailable'));
    const channel = this.hub.channels.get(room);
    if (channel === undefined) return Promise.resolve(true);
    if (channel.presence.size > 0 || channel.subscribers.length > 0) return Promise.resolve(false);
    this.hub.channels.delete(room);
    return Promise.resolve(true);
  }

  close(): Promise<void> {
    this.stop();
    this.hub.leases.delete(this.nodeId);
    return Promise.resolve();
  }

  /**
   * For tests: the node dies without a word. It stops heartbeating and receiving; its
   * members and names stay until another node sees its lease expire.
   */
  crash(): void {
    this.stop();
  }

  private stop(): void {
    if (this.heartbeat !== undefined) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    for (const channel of this.hub.channels.values()) {
      channel.subscribers = channel.subscribers.filter((s) => s.engine !== this);
    }
    this.setStatus('unavailable');
  }

  private setStatus(status: EngineStatus): void {
    if (this.state === status) return;
    this.state = status;
    for (const listener of this.statusListeners) listener(status);
  }

  private renew(): void {
    this.hub.leases.set(this.nodeId, this.now() + this.leaseMs);
  }

  /** Renews this node's lease, then ends every member of nodes whose lease lapsed. */
  private beat(): void {
    this.renew();
    const now = this.now();
    for (const [node, expires] of this.hub.leases) {
      if (expires > now) continue;
      this.hub.leases.delete(node);
      for (const [room, channel] of this.hub.channels) {
        for (const entry of [...channel.presence.values()]) {
          if (entry.nodeId !== node) continue;
          this.order(room, {
            kind: 'leave',
            memberId: entry.memberId,
            name: entry.name,
            reason: 'timeout',
          });
        }
        for (const holder of [...channel.held.keys()]) {
          if (nodeOfMember(holder) === node) unholdAll(channel, holder);
        }
      }
    }
  }

  private order(room: string, draft: EventDraft): RoomEvent {
    const channel = this.hub.channel(room);
    const event = stampEvent(draft, ++channel.seq, this.now());
    this.applyPresence(channel, event);
    channel.log.push(event);
    if (isPublicMessage(event)) channel.history.push(event);
    for (const subscriber of channel.subscribers) subscriber.deliver(event);
    return event;
  }

  /** The member's node; this node's own id string when it is local (not a copy per member). */
  private nodeIdOf(memberId: MemberId): string {
    const node = nodeOfMember(memberId);
    return node === this.nodeId ? this.nodeId : node;
  }

  private applyPresence(channel: Channel, event: RoomEvent): void {
    switch (event.kind) {
      case 'join':
        channel.presence.set(event.memberId, {
          memberId: event.memberId,
          name: event.name,
          nodeId: this.nodeIdOf(event.memberId),
        });
        return;
      case 'leave':
        channel.presence.delete(event.memberId);
        unholdAll(channel, event.memberId);
        return;
      case 'rename': {
        const entry = channel.presence.get(event.memberId);
        if (entry !== undefined) channel.presence.set(event.memberId, { ...entry, name: event.to });
        return;
      }
      case 'message':
        return;
    }
  }

  private positionOf(channel: Channel): Position {
    return { epoch: this.hub.epoch, seq: channel.seq };
  }

  private snapshotOf(channel: Channel): RoomSnapshot {
    return {
      position: this.positionOf(channel),
      members: [...channel.presence.values()],
      history: channel.history.toArray(),
    };
  }
}
