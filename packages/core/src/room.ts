import type { PlainTextPolicy } from './commands.js';
import type { Engine, Position, RoomSnapshot } from './engine.js';
import { InProcessEngine } from './engine-local.js';
import { ChatError, type DisconnectReason, toChatError } from './errors.js';
import type { EventDraft, MemberId, MessageEvent, RoomEvent, Stamp } from './events.js';
import { HandlerQueue, type MessageHandler } from './handlers.js';
import { HistoryRing } from './history.js';
import { DEFAULT_LIMITS, type RoomLimits, TokenBucket } from './limits.js';
import { type Logger, noopLogger } from './log.js';
import { Member, type MemberRoom } from './member.js';
import { autoName, foldName, lookAlikeKey, nameSkeleton, normalizeName, roomKey } from './names.js';
import { PRESENCE_FLUSH_MAX_MS, PRESENCE_FLUSH_MIN_MS } from './presence-flush.js';
import { randomToken } from './random-token.js';
import { RoomDirectory } from './rooms.js';
import type { Dialect, PresenceEvent, ResumeOutcome, Session } from './session.js';
import { prepareMessageText, sanitizeText } from './text.js';

export interface RoomOptions {
  /** The room's id on the engine; rooms with the same id on one engine are one room. */
  name?: string;
  engine?: Engine;
  limits?: Partial<RoomLimits>;
  logger?: Logger;
  /** Clock for rate limiting; injectable for tests. */
  now?: () => number;
  /**
   * How long `join` waits for the room's first snapshot from the engine before it fails with
   * `unavailable`. Default 5 s.
   */
  readyTimeoutMs?: number;
  /**
   * @internal The directory this room belongs to (a room the directory opened). Without it the
   * room is a server's default room and makes its own directory, with these options.
   */
  directory?: RoomDirectory;
}

export interface JoinOptions {
  /** Requested name; omitted means auto-assign `userN`. */
  name?: string;
  /** What plain text means for this member (the at dialect requires `@`). */
  plainText?: PlainTextPolicy;
  /** Extra log bindings for this member (transport, remote address…). */
  log?: Logger;
  /**
   * The resume token an earlier connection of this client got: if that connection still
   * holds the requested name, it is ended (reason `closed`) and this join takes the name.
   */
  resumeToken?: string;
  /**
   * The last position this client saw: after its join the session gets exactly the events it
   * missed (visible to it), then `session.resumed()`, then everything newer.
   */
  since?: Position;
  /** False for clients that stay in the default room (the at and peer dialects). Default true. */
  rooms?: boolean;
  /**
   * @internal The connection's default-room member, for a join of another room (`/join`):
   * the name is already the connection's, so nothing is claimed here.
   */
  owner?: Member;
}

export interface PostOptions {
  /** Shown as the sender; defaults to `system`. */
  sender?: string;
  /** Agent posts are delivered like messages but never reach handlers. Default true. */
  agent?: boolean;
}

/** Counters a metrics exporter can read at scrape time. */
export interface RoomStats {
  /** Messages accepted from members and posts. */
  messagesIn: number;
  /** Frames handed to sessions. */
  deliveries: number;
  /** Refused or lost work by reason (rate_limited, too_long, too_slow, flooding…). */
  drops: Record<string, number>;
}

interface MemberRecord {
  id: MemberId;
  name: string;
  folded: string;
  /** What the name looks like (`nameSkeleton`): no two members share one. */
  skeleton: string;
}

const MAX_AUTO_NAME_TRIES = 1000;
const DEFAULT_READY_TIMEOUT_MS = 5000;
/** Process-wide, so rooms sharing an engine in one process never mint the same id. */
let memberCounter = 0;

/**
 * A chat room. State changes only when the engine delivers an event back, so the same code
 * works whether publish is synchronous (InProcessEngine) or crosses a network.
 */
/**
 * How long a presence run may gather, per local member, in ms. A flush costs one write per
 * member, and a loopback write costs 10–40 µs here (the kernel does the receive side too), so
 * waiting 0.2 ms per member keeps a join storm's presence writes to a small share of the time:
 * 5,000 members flush once a second (PRESENCE_FLUSH_MAX_MS), 100 or fewer every 20 ms.
 */
const PRESENCE_RUN_MS_PER_MEMBER = 0.2;

export class Room implements MemberRoom {
  /** The room's id on the engine. */
  readonly name: string;
  /** Its canonical name (folded, without `#`): what clients see and `/join` matches. */
  readonly key: string;
  /** Every room of this server; the default room's directory also opens the others. */
  readonly directory: RoomDirectory;
  readonly limits: Readonly<RoomLimits>;
  /** Shared by every room of one directory: the server's counters, whichever room it was. */
  readonly stats: RoomStats;
  private readonly engine: Engine;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly records = new Map<MemberId, MemberRecord>();
  private readonly byFolded = new Map<string, MemberRecord>();
  private readonly bySkeleton = new Map<string, MemberRecord>();
  private readonly locals = new Map<MemberId, Member>();
  /** Local joined members grouped by dialect, so each event is encoded once per dialect. */
  private readonly groups = new Map<Dialect, Set<Member>>();
  private ring: HistoryRing;
  private readonly handlers: HandlerQueue;
  private readonly unsubscribe: () => void;
  private autoCounter = 0;
  private lastSeq = 0;
  private closed = false;
  /** Events delivered while one is being applied wait here, so order holds under re-entry. */
  private readonly pending: RoomEvent[] = [];
  private applying = false;
  /** Joins and leaves not yet sent to dialects that coalesce them (see flushPresence). */
  private presenceRun: PresenceEvent[] = [];
  /** Members that joined during the pending run: how many of its events they already know. */
  private knownOfRun = new Map<Member, number>();
  private presenceTimer: ReturnType<typeof setTimeout> | undefined;
  private synced = false;
  private readonly readyTimeoutMs: number;
  private readonly readyWait: { promise: Promise<void>; resolve: () => void };
  /** Leaves the engine refused while unavailable; published again once it is back. */
  private readonly unpublishedLeaves = new Map<MemberId, EventDraft>();
  private readonly stopWatchingEngine: () => void;
  /** Members resuming: live events held until their missed events have been delivered. */
  private readonly resuming = new Map<
    MemberId,
    { joinSeq: number; held: Array<[RoomEvent, unknown]> }
  >();
  private epoch = '';

  constructor(options: RoomOptions = {}) {
    this.name = options.name ?? 'main';
    this.key = roomKey(this.name);
    this.stats = options.directory?.main.stats ?? { messagesIn: 0, deliveries: 0, drops: {} };
    this.engine = options.engine ?? new InProcessEngine();
    this.limits = Object.freeze({ ...DEFAULT_LIMITS, ...options.limits });
    this.log = options.logger ?? noopLogger;
    this.now = options.now ?? Date.now;
    this.ring = new HistoryRing(this.limits.historySize);
    this.handlers = new HandlerQueue(this.log, this.key);
    const engine = this.engine;
    this.directory =
      options.directory ??
      new RoomDirectory(
        this,
        engine,
        (name) => new Room({ ...options, name, engine, directory: this.directory }),
        this.log,
      );
    this.readyTimeoutMs = options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
    let resolveReady!: () => void;
    const readyPromise = new Promise<void>((resolve) => {
      resolveReady = resolve;
    });
    this.readyWait = { promise: readyPromise, resolve: resolveReady };
    this.stopWatchingEngine = this.engine.onStatus((status) => {
      if (status === 'ready') this.republishLeaves();
    });
    this.unsubscribe = this.engine.subscribe(this.name, this.onEngineEvent, {
      onSync: this.onSync,
    });
  }

  /**
   * Resolves once the room has its first snapshot from the engine (members on every node,
   * history): from then on `users()` and `history()` are the room's, not just this node's.
   */
  get ready(): Promise<void> {
    return this.readyWait.promise;
  }

  /** The position of the last event applied (for clients that will resume from it). */
  get position(): Position {
    return { epoch: this.epoch, seq: this.lastSeq };
  }

  /** True while the room can take joins and messages (synced, and its engine is ready). */
  get available(): boolean {
    return this.synced && this.engine.status === 'ready';
  }

  /** Members in the room (all nodes). */
  get size(): number {
    return this.records.size;
  }

  /** Members in the room on this node. */
  get localSize(): number {
    return this.locals.size;
  }

  /** What dialects are told of the room an event is from: undefined for the default room. */
  private get wireRoom(): string | undefined {
    return this.isDefault ? undefined : this.key;
  }

  /** True for the server's default room, where every connection starts. */
  get isDefault(): boolean {
    return this.directory.main === this;
  }

  /** Messages waiting for or in handler dispatch. */
  get handlerBacklog(): number {
    return this.handlers.backlog;
  }

  /** Names of everyone in the room, in join order. */
  users(): string[] {
    return Array.from(this.records.values(), (record) => record.name);
  }

  /** The last `count` public messages (at most the history size), oldest first. */
  history(count: number = this.limits.historySize): MessageEvent[] {
    return this.ring.recent(count);
  }

  /** True if someone in the room holds this name (case-insensitively). */
  has(name: string): boolean {
    return this.byFolded.has(foldName(String(name)));
  }

  /**
   * Adds a connection to the room. Resolves once its join has been applied, after the
   * session's own join event was delivered to it. Rejects with ChatError
   * (`name_invalid`, `name_reserved`, `name_taken`, `closed`, and `unavailable` when the
   * engine cannot be reached or the room has not synced within `readyTimeoutMs`).
   */
  async join(session: Session, options: JoinOptions = {}): Promise<Member> {
    if (this.closed) throw new ChatError('closed');
    await this.whenSynced();
    const id = `${this.engine.nodeId}:${++memberCounter}`;
    const token = randomToken();
    let previous: MemberId | null = null;
    let name: string;
    const owner = options.owner;
    if (owner !== undefined) {
      name = owner.name;
    } else if (options.name === undefined) {
      name = await this.claimAutoName(id, token);
    } else {
      name = normalizeName(options.name);
      this.refuseLookAlike(name, id);
      const folded = foldName(name);
      if (!(await this.engine.claim(this.name, folded, id, token))) {
        previous =
          options.resumeToken === undefined
            ? null
            : await this.engine.takeOver(this.name, folded, id, String(options.resumeToken));
        if (previous === null) {
          throw new ChatError('name_taken', `The name '${name}' is already taken.`);
        }
        await this.engine.claim(this.name, folded, id, token);
        await this.claimLookAlike(name, id, token, options.resumeToken);
        // The earlier connection goes first, so everyone sees it leave, then this one join.
        await this.engine.publish(this.name, {
          kind: 'leave',
          memberId: previous,
          name: this.records.get(previous)?.name ?? name,
          reason: 'closed',
        });
      } else {
        await this.claimLookAlike(name, id, token, undefined);
      }
    }
    if (this.closed) {
      if (owner === undefined) await this.releaseNames(name, id);
      throw new ChatError('closed');
    }
    const bucket = new TokenBucket(this.limits.rateBurst, this.limits.ratePerSecond, this.now);
    const member = new Member(
      this,
      id,
      name,
      session,
      options.plainText ?? 'public',
      bucket,
      options.log ?? owner?.log ?? this.log,
      owner,
      options.rooms ?? true,
    );
    member.resumeToken = token;
    this.locals.set(id, member);
    if (options.since !== undefined) this.resuming.set(id, { joinSeq: 0, held: [] });
    try {
      await this.engine.publish(this.name, { kind: 'join', memberId: id, name });
    } catch (err) {
      this.locals.delete(id);
      if (owner === undefined) await this.releaseNames(name, id).catch(() => {});
      throw toChatError(err);
    }
    if (member.state === 'joining') await member.joined;
    if (options.since !== undefined) await this.resume(member, options.since, previous);
    return member;
  }

  /** Delivers what a resuming member missed, tells its session, then what was held. */
  private async resume(member: Member, since: Position, previous: MemberId | null) {
    const state = this.resuming.get(member.id);
    if (state === undefined) return;
    let outcome: ResumeOutcome = { kind: 'reset' };
    try {
      const recovery = await this.engine.recover(this.name, {
        epoch: String(since.epoch),
        seq: Number(since.seq),
      });
      if (recovery.kind === 'events') {
        const missed = recovery.events.filter(
          (e) => e.seq < state.joinSeq && visibleTo(e, member.id, previous),
        );
        for (const event of missed) {
          this.deliver(member, event, member.session.dialect.encode(event, this.wireRoom), true);
        }
        outcome = { kind: 'events', count: missed.length };
      }
    } catch (err) {
      member.log.warn({ err }, 'resume could not read the log; telling the client to reset');
    }
    this.resuming.delete(member.id);
    if (member.state !== 'joined') return;
    try {
      member.session.resumed?.(outcome, member);
    } catch (err) {
      member.log.error({ err }, 'session resumed() failed');
    }
    for (const [event, frame] of state.held) this.deliver(member, event, frame);
  }

  /** Registers a handler for public chat messages (not agent posts). Returns an unsubscribe. */
  addHandler(handler: MessageHandler): () => void {
    return this.handlers.add(handler);
  }

  /** Speaks into the room as the application or a bot. Rejects `too_long`. */
  post(content: string, options: PostOptions = {}): Promise<void> {
    return this.postStamped(content, options).then(() => undefined);
  }

  /** Like `post`, resolving with the post's stamp (null when the text was empty). */
  postStamped(content: string, options: PostOptions = {}): Promise<Stamp | null> {
    try {
      if (this.closed) throw new ChatError('closed');
      const text = prepareMessageText(String(content), this.limits.maxTextChars);
      if (text === null) return Promise.resolve(null);
      const sender = sanitizeText(String(options.sender ?? 'system')).trim() || 'system';
      this.countMessageIn();
      return this.engine.publish(this.name, {
        kind: 'message',
        senderId: null,
        sender,
        content: text,
        agent: options.agent ?? true,
      });
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Resolves once every queued message has been through the handlers. */
  handlersIdle(): Promise<void> {
    return this.handlers.idle();
  }

  /**
   * Starts no further handler call (a shutdown whose drain ran out of time); returns how many
   * queued messages will not be handled. A call already running is left to finish.
   */
  stopHandlers(): number {
    return this.handlers.stop();
  }

  /**
   * Disconnects every local member with `reason`, then stops. Sessions are detached and
   * closed before the leaves are published, so nobody here receives the others' leaves
   * (that would be N² deliveries) and clients hear `reason` first.
   */
  async close(reason: DisconnectReason = 'shutdown'): Promise<void> {
    if (this.closed) return;
    this.flushPresence();
    clearTimeout(this.presenceTimer);
    this.closed = true;
    const members = Array.from(this.locals.values());
    for (const member of members) this.detach(member);
    // Their memberships elsewhere too: the leaves there reach nobody on this node either.
    if (this.isDefault) for (const room of this.directory.open()) room.detachAll();
    await Promise.all(members.map((member) => member.disconnect(reason)));
    if (this.isDefault) await this.directory.close();
    this.unsubscribe();
    this.stopWatchingEngine();
  }

  /** @internal Stops every delivery on this node (the server is shutting down). */
  detachAll(): void {
    this.flushPresence();
    this.groups.clear();
  }

  private whenSynced(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new ChatError('unavailable', 'The room could not reach its engine in time.'));
      }, this.readyTimeoutMs);
      void this.readyWait.promise.then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /**
   * The engine's view of the room: first at subscribe, again after it lost track (a reset of
   * the room's history, or a gap it could not fill). Members and history are replaced; local
   * members the engine no longer has (this node was presumed dead, or the backend lost its
   * data) are disconnected with `timeout`, so their clients reconnect and resume.
   */
  private readonly onSync = (snapshot: RoomSnapshot): void => {
    this.epoch = snapshot.position.epoch;
    this.lastSeq = snapshot.position.seq;
    this.records.clear();
    this.byFolded.clear();
    this.bySkeleton.clear();
    for (const entry of snapshot.members) {
      this.addRecord(entry.memberId, entry.name);
    }
    this.ring = new HistoryRing(this.limits.historySize);
    for (const event of snapshot.history) this.ring.push(event);
    if (this.synced) {
      this.log.warn({ seq: snapshot.position.seq }, 'room resynced from the engine');
      for (const member of [...this.locals.values()]) {
        if (member.state !== 'joined' || this.records.has(member.id)) continue;
        this.locals.delete(member.id);
        this.detach(member);
        member.applyLeft();
        member.log.info({ reason: 'timeout' }, 'lost by the engine');
        this.closeSession(member, 'timeout');
      }
    }
    this.synced = true;
    this.readyWait.resolve();
  };

  private closeSession(member: Member, reason: DisconnectReason): void {
    try {
      member.session.close(reason);
    } catch (err) {
      member.log.error({ err }, 'session close failed');
    }
  }

  private republishLeaves(): void {
    for (const [id, draft] of this.unpublishedLeaves) {
      this.unpublishedLeaves.delete(id);
      this.engine.publish(this.name, draft).catch(() => {
        this.unpublishedLeaves.set(id, draft);
      });
    }
  }

  /**
   * Claims `name`'s look-alike key (names.ts `lookAlikeKey`) after its folded name: the engine's
   * claim is atomic on every node, so of racing look-alike joins exactly one gets here. A loser
   * gives its folded claim back and gets name_taken. A resuming client takes its key back.
   */
  private async claimLookAlike(
    name: string,
    id: MemberId,
    token: string,
    resumeToken: string | undefined,
  ): Promise<void> {
    const key = lookAlikeKey(name);
    if (await this.engine.claim(this.name, key, id, token)) return;
    if (
      resumeToken !== undefined &&
      (await this.engine.takeOver(this.name, key, id, String(resumeToken))) !== null &&
      (await this.engine.claim(this.name, key, id, token))
    ) {
      return;
    }
    await this.engine.release(this.name, foldName(name), id);
    throw new ChatError('name_taken', `The name '${name}' looks too much like another member's.`);
  }

  private async releaseNames(name: string, id: MemberId): Promise<void> {
    await this.engine.release(this.name, foldName(name), id);
    await this.engine.release(this.name, lookAlikeKey(name), id);
  }

  private async claimAutoName(id: MemberId, token: string): Promise<string> {
    for (let i = 0; i < MAX_AUTO_NAME_TRIES; i++) {
      const name = autoName(++this.autoCounter);
      const folded = foldName(name);
      if (this.byFolded.has(folded) || this.bySkeleton.has(nameSkeleton(name))) continue;
      if (await this.engine.claim(this.name, folded, id, token)) return name;
    }
    throw new ChatError('internal', 'Could not find a free name.');
  }

  private readonly onEngineEvent = (event: RoomEvent): void => {
    if (this.applying) {
      this.pending.push(event);
      return;
    }
    this.applying = true;
    try {
      this.applySafely(event);
      for (let i = 0; i < this.pending.length; i++) this.applySafely(this.pending[i]!);
    } finally {
      this.pending.length = 0;
      this.applying = false;
    }
  };

  private applySafely(event: RoomEvent): void {
    this.lastSeq = event.seq;
    try {
      this.apply(event);
    } catch (err) {
      this.log.error({ err, seq: event.seq }, 'applying a room event failed');
    }
  }

  private apply(event: RoomEvent): void {
    // Anything but presence goes out after the joins and leaves before it: one order.
    if (event.kind !== 'join' && event.kind !== 'leave') this.flushPresence();
    switch (event.kind) {
      case 'message':
        if (event.toId === undefined) {
          this.ring.push(event);
          this.fanOut(event);
          if (!event.agent) this.handlers.enqueue(event);
        } else {
          this.deliverPrivate(event);
        }
        return;
      case 'join': {
        this.addRecord(event.memberId, event.name);
        const member = this.locals.get(event.memberId);
        if (member !== undefined && member.state === 'joining') {
          member.applyJoined();
          this.groupOf(member.session.dialect).add(member);
          member.log.info({ seq: event.seq }, 'joined');
          this.fanOutPresence(event, member);
        } else {
          this.fanOutPresence(event, undefined);
        }
        // Held from here: the member's own join went out, what it missed comes next.
        const resuming = this.resuming.get(event.memberId);
        if (resuming !== undefined) resuming.joinSeq = event.seq;
        return;
      }
      case 'leave': {
        const record = this.records.get(event.memberId);
        if (record === undefined) return;
        this.records.delete(record.id);
        if (this.byFolded.get(record.folded) === record) this.byFolded.delete(record.folded);
        if (this.bySkeleton.get(record.skeleton) === record)
          this.bySkeleton.delete(record.skeleton);
        const member = this.locals.get(event.memberId);
        if (member !== undefined) {
          // Not asked for here: another node ended it (its lease had lapsed, reason timeout).
          const imposed = member.state === 'joined';
          this.locals.delete(member.id);
          this.detach(member);
          this.knownOfRun.delete(member);
          // A membership in another room holds no name there: its connection's is the default room's.
          if (member.owner === undefined) {
            void this.releaseNames(record.name, member.id).catch((err) => {
              this.log.error({ err }, 'releasing a name failed');
            });
          }
          member.log.info({ seq: event.seq, reason: event.reason }, 'left');
          member.applyLeft();
          if (imposed && member.owner === undefined) member.leaveOtherRooms(event.reason);
          if (imposed) this.closeSession(member, event.reason === 'part' ? 'error' : event.reason);
        }
        this.fanOutPresence(event, undefined);
        if (member !== undefined && this.locals.size === 0) this.directory.closeIfEmpty(this);
        return;
      }
      case 'rename': {
        const record = this.records.get(event.memberId);
        if (record === undefined) return;
        const oldFolded = record.folded;
        const oldSkeleton = record.skeleton;
        if (this.byFolded.get(oldFolded) === record) this.byFolded.delete(oldFolded);
        if (this.bySkeleton.get(record.skeleton) === record)
          this.bySkeleton.delete(record.skeleton);
        record.name = event.to;
        record.folded = foldName(event.to);
        record.skeleton = nameSkeleton(event.to);
        this.byFolded.set(record.folded, record);
        this.bySkeleton.set(record.skeleton, record);
        const member = this.locals.get(event.memberId);
        if (member !== undefined) {
          member.applyRenamed(event.to);
          member.log.info({ seq: event.seq, from: event.from }, 'renamed');
          // A membership in another room holds no names: its connection's are the default room's.
          const holdsNames = member.owner === undefined;
          if (holdsNames && oldFolded !== record.folded) {
            void this.engine.release(this.name, oldFolded, member.id).catch((err) => {
              this.log.error({ err }, 'releasing a name failed');
            });
          }
          if (holdsNames && oldSkeleton !== record.skeleton) {
            void this.engine
              .release(this.name, lookAlikeKey(event.from), member.id)
              .catch((err) => {
                this.log.error({ err }, 'releasing a look-alike key failed');
              });
          }
        }
        this.fanOut(event);
        return;
      }
    }
  }

  /** Indexes a member by id, folded name and look-alike skeleton. */
  private addRecord(id: MemberId, name: string): void {
    const record = { id, name, folded: foldName(name), skeleton: nameSkeleton(name) };
    this.records.set(id, record);
    this.byFolded.set(record.folded, record);
    this.bySkeleton.set(record.skeleton, record);
  }

  private fanOut(event: RoomEvent): void {
    for (const [dialect, members] of this.groups) {
      if (members.size === 0) continue;
      const frame = dialect.encode(event, this.wireRoom);
      for (const member of members) this.deliver(member, event, frame);
    }
  }

  /**
   * A join or leave: delivered at once to dialects that take events one by one; queued in the
   * presence run for dialects that coalesce (encodePresence). `self` is the member whose own
   * join this is: it gets that join now, as its welcome, and skips the run up to it.
   */
  private fanOutPresence(event: PresenceEvent, self: Member | undefined): void {
    const index = this.presenceRun.length;
    let queued = false;
    for (const [dialect, members] of this.groups) {
      if (members.size === 0) continue;
      const frame =
        dialect.encodePresence === undefined || self?.session.dialect === dialect
          ? dialect.encode(event, this.wireRoom)
          : null;
      if (dialect.encodePresence === undefined) {
        for (const member of members) this.deliver(member, event, frame);
        continue;
      }
      queued = true;
      if (self !== undefined && self.session.dialect === dialect) {
        this.knownOfRun.set(self, index + 1);
        this.deliver(self, event, frame);
      }
    }
    if (!queued) return;
    this.presenceRun.push(event);
    if (this.presenceTimer === undefined) {
      const waitMs = Math.min(
        PRESENCE_FLUSH_MAX_MS,
        Math.max(PRESENCE_FLUSH_MIN_MS, this.locals.size * PRESENCE_RUN_MS_PER_MEMBER),
      );
      this.presenceTimer = setTimeout(this.onPresenceTimer, waitMs);
    }
  }

  private readonly onPresenceTimer = (): void => {
    this.presenceTimer = undefined;
    try {
      this.flushPresence();
    } catch (err) {
      this.log.error({ err }, 'presence flush failed');
    }
  };

  /**
   * Sends the pending run of joins and leaves, encoded once per coalescing dialect, to each of
   * its members in one delivery. Runs on the room's presence timer and before any other event
   * is applied.
   */
  flushPresence(): void {
    const run = this.presenceRun;
    if (run.length === 0) return;
    const known = this.knownOfRun;
    this.presenceRun = [];
    this.knownOfRun = new Map();
    const last = run[run.length - 1]!;
    for (const [dialect, members] of this.groups) {
      if (members.size === 0 || dialect.encodePresence === undefined) continue;
      const encoded = dialect.encodePresence(run, this.records.size, this.wireRoom);
      for (const member of members) {
        const from = known.get(member) ?? 0;
        if (from >= run.length || !this.admits(member)) continue;
        try {
          member.session.deliverPresence!(encoded, from, member);
          this.stats.deliveries++;
        } catch (err) {
          member.log.error({ err, seq: last.seq }, 'session presence delivery failed');
          void member.disconnect('error');
        }
      }
    }
  }

  /**
   * @internal Hands `member` the pending presence run now, because it is about to get its last
   * words (a farewell): what it should see must come before them. Others wait for the flush.
   */
  flushPresenceTo(member: Member): void {
    const run = this.presenceRun;
    const dialect = member.session.dialect;
    if (run.length === 0 || dialect.encodePresence === undefined) return;
    if (this.groups.get(dialect)?.has(member) !== true) return;
    const from = this.knownOfRun.get(member) ?? 0;
    if (from >= run.length) return;
    this.knownOfRun.set(member, run.length);
    member.session.deliverPresence!(
      dialect.encodePresence(run, this.records.size, this.wireRoom),
      from,
      member,
    );
  }

  private deliverPrivate(event: MessageEvent): void {
    const sender = event.senderId === null ? undefined : this.locals.get(event.senderId);
    const recipient = this.locals.get(event.toId!);
    let encodedFor: Dialect | undefined;
    let frame: unknown = null;
    for (const member of sender === recipient ? [sender] : [sender, recipient]) {
      if (member === undefined || member.state !== 'joined') continue;
      const dialect = member.session.dialect;
      if (dialect !== encodedFor) {
        encodedFor = dialect;
        frame = dialect.encode(event, this.wireRoom);
      }
      this.deliver(member, event, frame);
    }
  }

  /** False (and the member is on its way out as too_slow) when its output is over the limit. */
  private admits(member: Member): boolean {
    const buffered = member.session.bufferedBytes;
    if (buffered <= this.limits.maxBufferedBytes) return true;
    this.countDrop('too_slow');
    member.log.warn({ buffered }, 'disconnecting a slow consumer');
    void member.disconnect('too_slow');
    return false;
  }

  private deliver(member: Member, event: RoomEvent, frame: unknown, missed = false): void {
    if (!missed && this.resuming.size > 0) {
      const resuming = this.resuming.get(member.id);
      if (resuming !== undefined && resuming.joinSeq > 0 && event.seq > resuming.joinSeq) {
        resuming.held.push([event, frame]);
        return;
      }
    }
    if (!this.admits(member)) return;
    const session = member.session;
    try {
      session.deliver(event, frame, member);
      this.stats.deliveries++;
    } catch (err) {
      member.log.error({ err, seq: event.seq }, 'session delivery failed');
      void member.disconnect('error');
    }
  }

  private groupOf(dialect: Dialect): Set<Member> {
    let group = this.groups.get(dialect);
    if (group === undefined) {
      group = new Set();
      this.groups.set(dialect, group);
    }
    return group;
  }

  // ---- MemberRoom: what members call; internal to core ----

  /** @internal */
  findMember(name: string): { id: MemberId; name: string } | undefined {
    return this.byFolded.get(foldName(name));
  }

  /**
   * @internal Refuses `name` (name_taken) when it looks like another member's name this room
   * knows, naming that member. Joins racing with look-alike names are settled afterwards by the
   * engine claim of the look-alike key (claimLookAlike): exactly one wins on any node.
   */
  refuseLookAlike(name: string, by: MemberId): void {
    const other = this.bySkeleton.get(nameSkeleton(name));
    if (other === undefined || other.id === by || other.folded === foldName(name)) return;
    throw new ChatError('name_taken', `The name '${name}' looks too much like '${other.name}'.`);
  }

  /** @internal A leave the engine refuses now is published again once it is back. */
  publishDraft(draft: EventDraft): Promise<Stamp> {
    const published = this.engine.publish(this.name, draft);
    if (draft.kind !== 'leave') return published;
    return published.catch((err: unknown) => {
      if (!this.closed) this.unpublishedLeaves.set(draft.memberId, draft);
      throw err;
    });
  }

  /** @internal */
  claimName(folded: string, by: MemberId): Promise<boolean> {
    return this.engine.claim(this.name, folded, by);
  }

  /** @internal */
  releaseName(folded: string, by: MemberId): Promise<void> {
    return this.engine.release(this.name, folded, by);
  }

  /** @internal Stops deliveries to `member`. */
  detach(member: Member): void {
    const group = this.groups.get(member.session.dialect);
    group?.delete(member);
    if (group !== undefined && group.size === 0) this.groups.delete(member.session.dialect);
  }

  /** Counts a refused input or dropped member by reason (`chatgate_drops_total`). */
  countDrop(reason: string): void {
    this.stats.drops[reason] = (this.stats.drops[reason] ?? 0) + 1;
  }

  /** @internal */
  countMessageIn(): void {
    this.stats.messagesIn++;
  }
}

/** What a resuming member may see of a missed event: all but others' private messages. */
function visibleTo(event: RoomEvent, self: MemberId, previous: MemberId | null): boolean {
  if (event.kind !== 'message' || event.toId === undefined) return true;
  const mine = (id: MemberId | null | undefined) =>
    id === self || (previous !== null && id === previous);
  return mine(event.senderId) || mine(event.toId);
}
