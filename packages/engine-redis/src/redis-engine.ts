import {
  ChatError,
  DEFAULT_ENGINE_HISTORY,
  DEFAULT_ENGINE_LOG,
  DEFAULT_LEASE_MS,
  type Engine,
  type EngineStatus,
  type EventDraft,
  foldName,
  isPublicMessage,
  type Logger,
  type MemberId,
  type MessageEvent,
  nodeOfMember,
  noopLogger,
  type Position,
  type PresenceEntry,
  type Recovery,
  type RoomEvent,
  type RoomListing,
  type RoomSnapshot,
  type Stamp,
  type SubscribeOptions,
} from '@chatgate/core';
import { Redis, type RedisOptions } from 'ioredis';
import {
  CLAIM_SCRIPT,
  DISCARD_SCRIPT,
  HEARTBEAT_SCRIPT,
  LEAVE_NODE_SCRIPT,
  ORDER_SCRIPT,
  RECOVER_SCRIPT,
  RELEASE_SCRIPT,
  ROOMS_SCRIPT,
  SNAPSHOT_SCRIPT,
  TAKE_OVER_SCRIPT,
} from './lua.js';
import { type FeedStats, RoomFeed } from './room-feed.js';

export interface RedisEngineOptions {
  /** `redis://[user:pass@]host:port[/db]`. */
  url: string;
  /** Unique per node; defaults to hostname-pid in the server. */
  nodeId: string;
  /** Members and names outlive their node's last heartbeat by this long. Default 15 s. */
  leaseMs?: number;
  /** Public messages kept per room (the history stream's cap). Default 100. */
  historySize?: number;
  /** Events of any kind kept per room for gap filling and client resume. Default 1000. */
  logSize?: number;
  /** Prefix of every key and channel, so several deployments can share one Redis. */
  keyPrefix?: string;
  /** A command without an answer after this long fails as `unavailable`. Default 2 s. */
  commandTimeoutMs?: number;
  logger?: Logger;
}

/** Round trips to Redis, by operation; each script call is one. */
export interface RedisEngineStats extends FeedStats {
  roundTrips: {
    publish: number;
    claim: number;
    release: number;
    snapshot: number;
    recover: number;
    heartbeat: number;
    subscribe: number;
    /** Room listings and discards of empty rooms. */
    rooms: number;
  };
  /** Times a connection to Redis was re-established after it was lost. */
  reconnects: number;
  /** Publishes confirmed, and the sum of their latencies in seconds (for a summary metric). */
  publishCount: number;
  publishSecondsSum: number;
}

type Script = (...args: Array<string | number>) => Promise<unknown>;

interface Scripts {
  cgOrder: Script;
  cgSnapshot: Script;
  cgRecover: Script;
  cgClaim: Script;
  cgTakeOver: Script;
  cgRelease: Script;
  cgHeartbeat: Script;
  cgLeaveNode: Script;
  cgRooms: Script;
  cgDiscard: Script;
}

type StreamEntry = [id: string, fields: string[]];

/**
 * Rooms shared by every node on one Redis. Each publish is one Lua script that takes the
 * room's next seq, appends the event to the room's log (and public messages to its history)
 * and publishes it, atomically (the pattern Centrifugo's Redis broker uses), so all nodes see
 * one order. Presence and names live in hashes under node leases that a heartbeat renews.
 * See the package README for keys, round trips and failure behaviour.
 */
export class RedisEngine implements Engine {
  readonly nodeId: string;
  readonly leaseMs: number;
  readonly stats: RedisEngineStats = {
    roundTrips: {
      publish: 0,
      claim: 0,
      release: 0,
      snapshot: 0,
      recover: 0,
      heartbeat: 0,
      subscribe: 0,
      rooms: 0,
    },
    reconnects: 0,
    publishCount: 0,
    publishSecondsSum: 0,
    recoveredGaps: 0,
    recoveredEvents: 0,
    resyncs: 0,
  };
  /** Called with each confirmed publish's latency in seconds (a metrics histogram). */
  onPublished: ((seconds: number) => void) | undefined;
  private readonly prefix: string;
  private readonly historySize: number;
  private readonly logSize: number;
  private readonly log: Logger;
  private readonly cmd: Redis;
  private readonly sub: Redis;
  private readonly scripts: Scripts;
  private readonly feeds = new Map<string, RoomFeed>();
  private readonly byChannel = new Map<string, RoomFeed>();
  private readonly statusListeners = new Set<(status: EngineStatus) => void>();
  private state: EngineStatus = 'unavailable';
  private leaseHeld = false;
  private everReady = { cmd: false, sub: false };
  /** When the command connection last became ready; reaping waits one lease after it. */
  private connectedAt = 0;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private stopped = false;

  constructor(options: RedisEngineOptions) {
    this.nodeId = options.nodeId;
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.prefix = options.keyPrefix ?? 'chatgate:';
    this.historySize = options.historySize ?? DEFAULT_ENGINE_HISTORY;
    this.logSize = Math.max(options.logSize ?? DEFAULT_ENGINE_LOG, 1);
    this.log = options.logger ?? noopLogger;
    const redisOptions: RedisOptions = {
      lazyConnect: true,
      // Fail at once while disconnected: a sender hears `unavailable`, never waits forever.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResubscribe: false,
      commandTimeout: options.commandTimeoutMs ?? 2000,
      connectTimeout: options.commandTimeoutMs ?? 2000,
      retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 5), 1000),
      connectionName: `chatgate:${this.nodeId}`,
    };
    this.cmd = new Redis(options.url, redisOptions);
    this.sub = new Redis(options.url, redisOptions);
    this.scripts = defineScripts(this.cmd);
    this.watch(this.cmd, 'cmd');
    this.watch(this.sub, 'sub');
    this.sub.on('message', (channel: string, message: string) => {
      this.byChannel.get(channel)?.notify(message);
    });
    this.heartbeat = setInterval(() => void this.beat(), Math.max(1, this.leaseMs / 3));
    this.heartbeat.unref?.();
    // Errors surface through status and retries; the promises only start the connections.
    this.cmd.connect().catch(() => {});
    this.sub.connect().catch(() => {});
  }

  get status(): EngineStatus {
    return this.state;
  }

  onStatus(listener: (status: EngineStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /** Resolves once ready; rejects `unavailable` after `timeoutMs`. */
  whenReady(timeoutMs: number): Promise<void> {
    if (this.state === 'ready') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        stop();
        reject(new ChatError('unavailable', `Redis not reachable after ${timeoutMs} ms.`));
      }, timeoutMs);
      const stop = this.onStatus((status) => {
        if (status !== 'ready') return;
        clearTimeout(timer);
        stop();
        resolve();
      });
    });
  }

  async publish(room: string, draft: EventDraft): Promise<Stamp> {
    this.requireReady();
    const started = performance.now();
    const [seq, ts] = (await this.run('publish', () =>
      this.scripts.cgOrder(...this.orderArgs(room, draft, true)),
    )) as [number, number, string];
    const seconds = (performance.now() - started) / 1000;
    this.stats.publishCount++;
    this.stats.publishSecondsSum += seconds;
    this.onPublished?.(seconds);
    return { seq, ts };
  }

  /** The ORDER script's arguments for a draft; `notify` false orders it silently (tests). */
  orderArgs(room: string, draft: EventDraft, notify: boolean): string[] {
    let extra = '';
    let member = '';
    switch (draft.kind) {
      case 'join':
        member = draft.memberId;
        extra = JSON.stringify({
          memberId: draft.memberId,
          name: draft.name,
          nodeId: nodeOfMember(draft.memberId),
        }).slice(1);
        break;
      case 'leave':
        member = draft.memberId;
        extra = foldName(draft.name);
        break;
      case 'rename':
        member = draft.memberId;
        extra = draft.to;
        break;
      case 'message':
        break;
    }
    const isPublic = draft.kind === 'message' && draft.toId === undefined;
    return [
      ...this.head(room),
      JSON.stringify(draft).slice(1),
      draft.kind,
      member,
      extra,
      isPublic ? '1' : '0',
      String(this.historySize),
      String(this.logSize),
      notify ? '1' : '0',
    ];
  }

  subscribe(
    room: string,
    deliver: (event: RoomEvent) => void,
    options: SubscribeOptions = {},
  ): () => void {
    let feed = this.feeds.get(room);
    if (feed === undefined) {
      feed = new RoomFeed(room, this, this.stats, this.log);
      this.feeds.set(room, feed);
      this.byChannel.set(this.key(room, 'ch'), feed);
      if (this.sub.status === 'ready') void this.attach(feed);
    }
    const remove = feed.add(deliver, options.onSync);
    const owned = feed;
    return () => {
      remove();
      if (owned.size > 0 || this.feeds.get(room) !== owned) return;
      this.feeds.delete(room);
      this.byChannel.delete(this.key(room, 'ch'));
      if (this.sub.status === 'ready') {
        this.sub.unsubscribe(this.key(room, 'ch')).catch(() => {});
      }
    };
  }

  async snapshot(room: string): Promise<RoomSnapshot> {
    this.requireConnected();
    const reply = (await this.run('snapshot', () =>
      this.scripts.cgSnapshot(...this.head(room)),
    )) as unknown[];
    return this.readSnapshot(reply);
  }

  async recover(room: string, since: Position): Promise<Recovery> {
    this.requireConnected();
    const reply = (await this.run('recover', () =>
      this.scripts.cgRecover(...this.head(room), since.epoch, String(since.seq)),
    )) as unknown[];
    if (reply[0] !== 'events') return { kind: 'reset', snapshot: this.readSnapshot(reply) };
    const events = (reply[3] as StreamEntry[]).map(readEntry);
    return {
      kind: 'events',
      events,
      position: { epoch: String(reply[1]), seq: Number(reply[2]) },
    };
  }

  async claim(room: string, folded: string, by: MemberId, token = ''): Promise<boolean> {
    this.requireReady();
    const won = await this.run('claim', () =>
      this.scripts.cgClaim(...this.head(room), folded, by, token),
    );
    return won === 1;
  }

  async takeOver(
    room: string,
    folded: string,
    by: MemberId,
    token: string,
  ): Promise<MemberId | null> {
    this.requireReady();
    const previous = await this.run('claim', () =>
      this.scripts.cgTakeOver(...this.head(room), folded, by, token),
    );
    return typeof previous === 'string' ? previous : null;
  }

  async release(room: string, folded: string, by: MemberId): Promise<void> {
    this.requireReady();
    await this.run('release', () => this.scripts.cgRelease(...this.head(room), folded, by));
  }

  async rooms(): Promise<RoomListing[]> {
    this.requireConnected();
    const flat = (await this.run('rooms', () => this.scripts.cgRooms(...this.head('')))) as Array<
      string | number
    >;
    const listing: RoomListing[] = [];
    for (let i = 0; i < flat.length; i += 2) {
      listing.push({ room: String(flat[i]), size: Number(flat[i + 1]) });
    }
    return listing;
  }

  async discard(room: string): Promise<boolean> {
    this.requireReady();
    if (this.feeds.has(room)) return false;
    const gone = await this.run('rooms', () => this.scripts.cgDiscard(...this.head(room)));
    return gone === 1;
  }

  async close(): Promise<void> {
    if (this.stopped) return;
    this.stop();
    if (this.cmd.status === 'ready') {
      await this.scripts.cgLeaveNode(...this.head(''), this.nodeId).catch(() => {});
    }
    await Promise.all([quit(this.cmd), quit(this.sub)]);
  }

  /** For tests: the node dies without a word (no lease given up, connections dropped). */
  crash(): void {
    if (this.stopped) return;
    this.stop();
    this.cmd.disconnect();
    this.sub.disconnect();
  }

  private stop(): void {
    this.stopped = true;
    if (this.heartbeat !== undefined) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    this.leaseHeld = false;
    this.updateStatus();
  }

  private watch(client: Redis, which: 'cmd' | 'sub'): void {
    client.on('error', (err: Error) => {
      this.log.warn({ err: err.message, connection: which }, 'redis connection error');
    });
    client.on('ready', () => {
      if (this.everReady[which]) this.stats.reconnects++;
      this.everReady[which] = true;
      this.log.info({ connection: which }, 'redis connection ready');
      if (which === 'cmd') {
        this.connectedAt = Date.now();
        void this.beat();
      } else {
        for (const feed of this.feeds.values()) void this.attach(feed);
      }
      this.updateStatus();
    });
    client.on('close', () => {
      if (which === 'cmd') this.leaseHeld = false;
      this.updateStatus();
    });
  }

  /** (Re)subscribes a room's channel, then reads what the room missed meanwhile. */
  private async attach(feed: RoomFeed): Promise<void> {
    try {
      this.stats.roundTrips.subscribe++;
      await this.sub.subscribe(this.key(feed.room, 'ch'));
    } catch (err) {
      this.log.warn({ err, room: feed.room }, 'subscribing failed; retrying on reconnect');
      return;
    }
    if (this.cmd.status !== 'ready') return; // the command connection's ready catches up
    feed.catchUp();
  }

  private async beat(): Promise<void> {
    if (this.stopped || this.cmd.status !== 'ready') return;
    const reap = Date.now() - this.connectedAt >= this.leaseMs ? '1' : '0';
    let fresh: unknown;
    try {
      this.stats.roundTrips.heartbeat++;
      fresh = await this.scripts.cgHeartbeat(
        ...this.head(''),
        this.nodeId,
        String(this.leaseMs),
        reap,
        String(this.historySize),
        String(this.logSize),
      );
    } catch (err) {
      this.log.warn({ err }, 'heartbeat failed');
      return;
    }
    if (this.stopped) return;
    if (fresh === 1 && this.leaseHeld) {
      this.log.warn({}, 'this node had lost its lease (reaped, or Redis lost its data)');
    }
    const first = !this.leaseHeld;
    this.leaseHeld = true;
    this.updateStatus();
    // After a reconnect: catch up every room now that commands work again.
    if (first && this.sub.status === 'ready') {
      for (const feed of this.feeds.values()) feed.catchUp();
    }
  }

  private updateStatus(): void {
    const next: EngineStatus =
      !this.stopped && this.leaseHeld && this.cmd.status === 'ready' && this.sub.status === 'ready'
        ? 'ready'
        : 'unavailable';
    if (next === this.state) return;
    this.state = next;
    this.log.info({ status: next }, 'engine status');
    for (const listener of this.statusListeners) listener(next);
  }

  private requireReady(): void {
    if (this.state !== 'ready') throw new ChatError('unavailable');
  }

  private requireConnected(): void {
    if (this.stopped || this.cmd.status !== 'ready') throw new ChatError('unavailable');
  }

  /** Counts the round trip; a failed command is `unavailable`, a script error `internal`. */
  private async run<T>(op: keyof RedisEngineStats['roundTrips'], call: () => Promise<T>) {
    this.stats.roundTrips[op]++;
    try {
      return await call();
    } catch (err) {
      if (err instanceof Error && err.name === 'ReplyError') {
        this.log.error({ err, op }, 'redis script failed');
        throw new ChatError('internal', 'Internal error.', { cause: err });
      }
      throw new ChatError('unavailable', undefined, { cause: err });
    }
  }

  private head(room: string): string[] {
    return [this.prefix, room, globalThis.crypto.randomUUID()];
  }

  private key(room: string, suffix: string): string {
    return `${this.prefix}{${room}}:${suffix}`;
  }

  private readSnapshot(reply: unknown[]): RoomSnapshot {
    const flat = reply[3] as string[];
    const members: Array<PresenceEntry & { seq: number }> = [];
    for (let i = 0; i < flat.length; i += 2) {
      const entry = JSON.parse(flat[i + 1]!) as PresenceEntry & { seq: number };
      members.push(entry);
    }
    members.sort((a, b) => a.seq - b.seq);
    const history = (reply[4] as StreamEntry[]).map(readEntry).filter(isPublicMessage);
    return {
      position: { epoch: String(reply[1]), seq: Number(reply[2]) },
      members: members.map(({ memberId, name, nodeId }) => ({ memberId, name, nodeId })),
      history: history as MessageEvent[],
    };
  }
}

function readEntry(entry: StreamEntry): RoomEvent {
  const fields = entry[1];
  return JSON.parse(fields[1]!) as RoomEvent;
}

function defineScripts(redis: Redis): Scripts {
  const scripts: Record<keyof Scripts, string> = {
    cgOrder: ORDER_SCRIPT,
    cgSnapshot: SNAPSHOT_SCRIPT,
    cgRecover: RECOVER_SCRIPT,
    cgClaim: CLAIM_SCRIPT,
    cgTakeOver: TAKE_OVER_SCRIPT,
    cgRelease: RELEASE_SCRIPT,
    cgHeartbeat: HEARTBEAT_SCRIPT,
    cgLeaveNode: LEAVE_NODE_SCRIPT,
    cgRooms: ROOMS_SCRIPT,
    cgDiscard: DISCARD_SCRIPT,
  };
  for (const [name, lua] of Object.entries(scripts)) {
    // EVALSHA, falling back to EVAL once per connection when Redis has not seen the script.
    redis.defineCommand(name, { numberOfKeys: 0, lua });
  }
  return redis as unknown as Scripts;
}

async function quit(client: Redis): Promise<void> {
  try {
    if (client.status === 'ready') await client.quit();
    else client.disconnect();
  } catch {
    client.disconnect();
  }
}
