import { type PlainTextPolicy, parseCommand, type Reply, type RoomInfo } from './commands.js';
import { ChatError, type DisconnectReason } from './errors.js';
import type { EventDraft, LeaveReason, MemberId, MessageEvent, Stamp } from './events.js';
import type { RoomLimits, TokenBucket } from './limits.js';
import { type Logger, lazyChild } from './log.js';
import { foldName, lookAlikeKey, normalizeName, normalizeRoomName } from './names.js';
import { runCommand } from './run-command.js';
import type { Session } from './session.js';
import { prepareMessageText } from './text.js';

export type MemberState = 'joining' | 'joined' | 'leaving' | 'left';

/**
 * The room as a member sees it: implemented by Room, internal to core (not exported from the
 * package). A member's inputs go Member -> MemberRoom (Room) -> Engine.
 */
export interface MemberRoom {
  /** The room's canonical name (folded, no `#`). */
  readonly key: string;
  readonly limits: Readonly<RoomLimits>;
  /** Every room of this server, for a connection that joins, parts or lists them. */
  readonly directory: MemberRooms;
  /** Members in the room (all nodes). */
  readonly size: number;
  /** Everyone in the room (all nodes), in join order. */
  users(): string[];
  history(count: number): MessageEvent[];
  /** The member holding `name` (case-insensitively), on any node. */
  findMember(name: string): { id: MemberId; name: string } | undefined;
  /** Hands a draft to the engine; resolves with its stamp once it has a `seq`. */
  publishDraft(draft: EventDraft): Promise<Stamp>;
  /** Throws name_taken when `name` looks like another member's name. */
  refuseLookAlike(name: string, by: MemberId): void;
  claimName(folded: string, by: MemberId): Promise<boolean>;
  releaseName(folded: string, by: MemberId): Promise<void>;
  /** Stops deliveries to `member` (it is leaving). */
  detach(member: Member): void;
  /** Delivers the pending presence run to `member` now (see Member.flushPresence). */
  flushPresenceTo(member: Member): void;
  countDrop(reason: string): void;
  countMessageIn(): void;
}

/** The server's rooms as a member sees them: implemented by RoomDirectory, internal to core. */
export interface MemberRooms {
  /** The default room's canonical name. */
  readonly mainName: string;
  /** Joins `connection` (a default-room member) to the room named `key` (canonical). */
  enter(key: string, connection: Member): Promise<Member>;
  list(connection: Member): Promise<RoomInfo[]>;
  /** A room's members: a first page of names and the total. Rejects no_such_room. */
  who(key: string): Promise<{ names: string[]; total: number }>;
}

/**
 * One connection in one room. Created by `room.join()`; every input path checks the rate
 * limit and length, and publishes before its first await so a member's inputs keep their order.
 */
export class Member {
  state: MemberState = 'joining';
  /**
   * Given to this member's client at join: with it, a reconnecting client retakes its name at
   * once (`JoinOptions.resumeToken`), without waiting for this connection to time out.
   */
  resumeToken = '';
  private currentName: string;
  private currentFolded: string;
  private refusedSinceCalm = 0;
  private floodDisconnecting = false;
  private leaving: Promise<void> | undefined;
  // Made only when someone waits: most members never await their own join or leave.
  private joinedWait: Waiter | undefined;
  private leftWait: Waiter | undefined;
  private logger: Logger | undefined;
  /** The connection's memberships in other rooms, by canonical name (default-room member only). */
  private otherRooms: Map<string, Member> | undefined;
  /** Rooms being joined, so a second `/join` of one room waits for the first. */
  private roomJoins: Map<string, Promise<Member>> | undefined;
  /** Where plain text goes: this member or one of `otherRooms`. */
  private currentMember: Member = this;

  constructor(
    private readonly room: MemberRoom,
    readonly id: MemberId,
    name: string,
    readonly session: Session,
    readonly plainText: PlainTextPolicy,
    private readonly bucket: TokenBucket,
    /** The connection's logger; this member's adds its id, room and name when first used. */
    private readonly parentLog: Logger,
    /**
     * For a membership in a room other than the default: the same connection's member in the
     * default room, which holds the name, the rate limit and the current room.
     */
    readonly owner?: Member,
    /** False for clients that stay in the default room (the at and peer dialects). */
    readonly roomsAllowed = true,
  ) {
    this.currentName = name;
    this.currentFolded = foldName(name);
  }

  /** The name of the room this membership is in (canonical, without `#`). */
  get roomName(): string {
    return this.room.key;
  }

  /** This connection's member in the default room (itself, when that is where it is). */
  get connection(): Member {
    return this.owner ?? this;
  }

  /** The connection's membership in its current room, where plain text goes. */
  get current(): Member {
    const connection = this.connection;
    if (connection.currentMember.state === 'left') connection.currentMember = connection;
    return connection.currentMember;
  }

  /** True when this membership's room is the connection's current room. */
  get isCurrent(): boolean {
    return this.current === this;
  }

  /** The connection's memberships, the default room's first. */
  memberships(): Member[] {
    const connection = this.connection;
    return [connection, ...(connection.otherRooms?.values() ?? [])];
  }

  /** The connection's membership in `room` (as typed: `dev` or `#dev`), if it is in it. */
  membershipIn(room: string): Member | undefined {
    const key = normalizeRoomName(room);
    const connection = this.connection;
    return key === connection.room.directory.mainName
      ? connection
      : connection.otherRooms?.get(key);
  }

  /**
   * Joins this connection to another room (created when nobody is in it) and makes it the
   * current room. Already in it: makes it current. Rejects name_invalid, too_many_rooms
   * (RoomLimits.roomsPerMember, maxRooms), bad_request for a client that stays in the default
   * room, unavailable.
   */
  joinRoom(requested: string): Promise<Reply> {
    try {
      const connection = this.connection;
      connection.requireJoined();
      if (!connection.roomsAllowed) {
        throw new ChatError('bad_request', 'This client stays in the default room.');
      }
      const key = normalizeRoomName(String(requested));
      const existing = this.membershipIn(key);
      if (existing !== undefined) {
        connection.currentMember = existing;
        return Promise.resolve({
          kind: 'room_joined',
          room: existing.roomName,
          size: existing.roomSize,
          already: true,
        });
      }
      connection.roomJoins ??= new Map<string, Promise<Member>>();
      const joins = connection.roomJoins;
      let joining: Promise<Member> | undefined = joins.get(key);
      if (joining === undefined) {
        const inRooms = 1 + (connection.otherRooms?.size ?? 0) + joins.size;
        if (inRooms >= this.limits.roomsPerMember) {
          throw new ChatError(
            'too_many_rooms',
            `You are in ${inRooms} rooms, the most allowed; /part one first.`,
          );
        }
        joining = connection.enterRoom(key);
        joins.set(key, joining);
      }
      return joining.then(
        (member): Reply => ({
          kind: 'room_joined',
          room: member.roomName,
          size: member.roomSize,
          already: false,
        }),
      );
    } catch (err) {
      return Promise.reject(err);
    }
  }

  private async enterRoom(key: string): Promise<Member> {
    try {
      const member = await this.room.directory.enter(key, this);
      if (this.state !== 'joined') {
        await member.leaveRoom('closed');
        throw new ChatError('not_joined');
      }
      this.otherRooms ??= new Map();
      this.otherRooms.set(key, member);
      this.currentMember = member;
      // Renamed while the join was in flight: the new room learns the name now.
      if (member.name !== this.currentName) await member.publishRename(this.currentName);
      return member;
    } finally {
      this.roomJoins?.delete(key);
    }
  }

  /**
   * Leaves a room other than the default one (`room` omitted: the current room); the current
   * room falls back to the default room. Rejects no_such_room (not in it), bad_request (the
   * default room: `/quit` ends the connection).
   */
  partRoom(requested?: string): Promise<Reply> {
    try {
      const connection = this.connection;
      connection.requireJoined();
      const member = requested === undefined ? this.current : this.membershipIn(String(requested));
      if (member === undefined) {
        const key = normalizeRoomName(String(requested));
        throw new ChatError('no_such_room', `You are not in #${key}.`);
      }
      if (member === connection) {
        throw new ChatError(
          'bad_request',
          `#${member.roomName} is the default room and cannot be left; /quit ends the connection.`,
        );
      }
      return member.leaveRoom('part').then(() => ({
        kind: 'room_parted',
        room: member.roomName,
        current: connection.current.roomName,
      }));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Makes `room`, one this connection is in, its current room. Throws no_such_room. */
  switchRoom(requested: string): Reply {
    const connection = this.connection;
    connection.requireJoined();
    const member = this.membershipIn(String(requested));
    if (member === undefined) {
      throw new ChatError(
        'no_such_room',
        `You are not in #${normalizeRoomName(String(requested))}; /join it first.`,
      );
    }
    connection.currentMember = member;
    return { kind: 'room_switched', room: member.roomName };
  }

  /** Every room with members (all nodes), as this connection sees them. */
  rooms(): Promise<RoomInfo[]> {
    return this.room.directory.list(this.connection);
  }

  /** The members of `room` (as typed; omitted: the current room), on every node. */
  async who(requested?: string): Promise<Reply> {
    const member = requested === undefined ? this.current : undefined;
    const key = member?.roomName ?? normalizeRoomName(String(requested));
    const { names, total } = await this.room.directory.who(key);
    return { kind: 'who', room: key, names, total };
  }

  /** Resolves when the member's join event has been applied. */
  get joined(): Promise<void> {
    if (this.state !== 'joining') return RESOLVED;
    this.joinedWait ??= waiter();
    return this.joinedWait.promise;
  }

  /** Resolves when the member's leave event has been applied. */
  get left(): Promise<void> {
    if (this.state === 'left') return RESOLVED;
    this.leftWait ??= waiter();
    return this.leftWait.promise;
  }

  get name(): string {
    return this.currentName;
  }

  /** This member's logger, bound to its id, room and current name (a pino child once it logs). */
  get log(): Logger {
    this.logger ??= lazyChild(this.parentLog, {
      member: this.id,
      room: this.room.key,
      name: this.currentName,
    });
    return this.logger;
  }

  get folded(): string {
    return this.currentFolded;
  }

  /** Parses a line of input (commands, @mentions) and acts on it. Rejects with ChatError. */
  input(text: string): Promise<Reply> {
    try {
      return runCommand(this, parseCommand(String(text), this.plainText));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Sends a public message, without command parsing. */
  say(text: string): Promise<Reply> {
    try {
      this.admit();
      return this.sendPublic(String(text));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Sends a private message to the member named `to`, without command parsing. */
  whisper(to: string, text: string): Promise<Reply> {
    try {
      this.admit();
      return this.connection.sendPrivate(String(to), String(text));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * Delivers others' joins and leaves still waiting for the room's presence flush to this
   * member now. A transport calls it before a farewell, so they are not lost or reordered.
   */
  flushPresence(): void {
    this.room.flushPresenceTo(this);
  }

  /** How many are in the room (all nodes), without building the list. */
  get roomSize(): number {
    return this.room.size;
  }

  /** The room's limits (read-only). */
  get limits(): Readonly<RoomLimits> {
    return this.room.limits;
  }

  /** Everyone in the room, in join order. */
  users(): string[] {
    return this.room.users();
  }

  /** Everyone but this member. */
  others(): string[] {
    return this.room.users().filter((name) => name !== this.currentName);
  }

  history(count: number): MessageEvent[] {
    return this.room.history(count);
  }

  /** Renames this member; a rename reaches everyone, so it takes a token like a message. */
  rename(requested: string): Promise<Reply> {
    try {
      this.admit();
      return this.connection.renameAdmitted(requested);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** @internal A rename whose token is already taken (`/nick` passed the limit in runCommand). */
  async renameAdmitted(requested: string): Promise<Reply> {
    this.requireJoined();
    const name = normalizeName(String(requested));
    const from = this.currentName;
    if (name === from) return { kind: 'renamed', from, to: name };
    this.room.refuseLookAlike(name, this.id);
    const folded = foldName(name);
    if (!(await this.room.claimName(folded, this.id))) {
      throw new ChatError('name_taken', `The name '${name}' is already taken.`);
    }
    // The look-alike key too (names.ts lookAlikeKey), unless it stays ours (case, marks).
    const key = lookAlikeKey(name);
    if (key !== lookAlikeKey(from) && !(await this.room.claimName(key, this.id))) {
      if (folded !== this.currentFolded) await this.room.releaseName(folded, this.id);
      throw new ChatError('name_taken', `The name '${name}' looks too much like another member's.`);
    }
    if (this.state !== 'joined') {
      if (folded !== this.currentFolded) await this.room.releaseName(folded, this.id);
      if (key !== lookAlikeKey(from)) await this.room.releaseName(key, this.id);
      throw new ChatError('not_joined');
    }
    await this.room.publishDraft({
      kind: 'rename',
      memberId: this.id,
      from: this.currentName,
      to: name,
    });
    // The name is the connection's: every room it is in learns it (claims are the default room's).
    if (this.otherRooms !== undefined) {
      await Promise.all(
        Array.from(this.otherRooms.values(), (member) =>
          member.publishRename(name).catch((err: unknown) => {
            member.log.error({ err }, 'rename could not be published in this room');
          }),
        ),
      );
    }
    return { kind: 'renamed', from, to: name };
  }

  /** @internal A membership in another room takes its connection's new name. */
  publishRename(to: string): Promise<Stamp> {
    return this.room.publishDraft({
      kind: 'rename',
      memberId: this.id,
      from: this.currentName,
      to,
    });
  }

  /**
   * Leaves the room, announced exactly once however often it is called (close, error,
   * timeout and /quit may all race). Resolves once the leave has been applied.
   */
  leave(reason: DisconnectReason = 'quit'): Promise<void> {
    if (this.owner !== undefined) return this.owner.leave(reason);
    return this.leaveRoom(reason);
  }

  /** @internal Leaves this membership's room only (a part, or one step of a leave). */
  leaveRoom(reason: LeaveReason): Promise<void> {
    if (this.leaving === undefined) {
      // A member that may still read (it quit, or is being told why it must go) gets the
      // presence it is owed before its last words; a closed or hopeless socket does not.
      if (reason !== 'closed' && reason !== 'too_slow' && this.state === 'joined') {
        this.room.flushPresenceTo(this);
      }
      this.leaving = this.leaveOnce(reason);
    }
    return this.leaving;
  }

  /** The server ends this member: it leaves with `reason` and its session is closed. */
  disconnect(reason: DisconnectReason): Promise<void> {
    if (this.owner !== undefined) return this.owner.disconnect(reason);
    const left = this.leave(reason);
    try {
      this.session.close(reason);
    } catch (err) {
      this.log.error({ err }, 'session close failed');
    }
    return left;
  }

  /** @internal Room bookkeeping as events are applied. */
  applyJoined(): void {
    if (this.state === 'joining') this.state = 'joined';
    this.joinedWait?.resolve();
    this.joinedWait = undefined;
  }

  /** @internal */
  applyRenamed(name: string): void {
    this.logger = undefined;
    this.currentName = name;
    this.currentFolded = foldName(name);
  }

  /** @internal */
  applyLeft(): void {
    this.state = 'left';
    this.owner?.forgetRoom(this);
    this.leftWait?.resolve();
    this.leftWait = undefined;
  }

  private async leaveOnce(reason: LeaveReason): Promise<void> {
    // Already ended by the room (another node or a resumed connection took over): no second leave.
    if (this.state === 'left') return;
    if (this.state === 'joining') await this.joined;
    this.state = 'leaving';
    if (this.otherRooms !== undefined && this.otherRooms.size > 0) {
      // The other rooms first: whoever shares one with this member sees it leave there too.
      const others = Array.from(this.otherRooms.values());
      this.otherRooms.clear();
      await Promise.all(others.map((member) => member.leaveRoom(reason)));
    }
    this.currentMember = this;
    if (this.owner !== undefined) this.owner.forgetRoom(this);
    this.room.detach(this);
    try {
      await this.room.publishDraft({
        kind: 'leave',
        memberId: this.id,
        name: this.currentName,
        reason,
      });
    } catch (err) {
      this.log.error({ err }, 'leave could not be published');
      this.applyLeft();
    }
    await this.left;
  }

  /**
   * @internal The room ended this connection without its asking (a resumed client took its
   * name over, another node declared it dead): its memberships elsewhere leave too.
   */
  leaveOtherRooms(reason: LeaveReason): void {
    if (this.otherRooms === undefined || this.otherRooms.size === 0) return;
    const others = Array.from(this.otherRooms.values());
    this.otherRooms.clear();
    this.currentMember = this;
    for (const member of others) {
      member.leaveRoom(reason).catch((err: unknown) => {
        member.log.error({ err }, 'leave could not be published');
      });
    }
  }

  /** @internal A membership that left its room (a part, or the room ended it). */
  forgetRoom(member: Member): void {
    if (this.otherRooms?.get(member.roomName) === member) this.otherRooms.delete(member.roomName);
    if (this.currentMember === member) this.currentMember = this;
  }

  /** @internal Rate limit, one per connection; persistent flooding disconnects. Throws rate_limited. */
  admit(): void {
    this.requireJoined();
    if (this.owner !== undefined) {
      this.owner.admit();
      return;
    }
    if (this.bucket.full) this.refusedSinceCalm = 0;
    if (this.bucket.take()) return;
    this.room.countDrop('rate_limited');
    // Once: a flood schedules one disconnect, not one timer per refusal past the threshold.
    if (
      ++this.refusedSinceCalm >= this.room.limits.floodDisconnectAfter &&
      !this.floodDisconnecting
    ) {
      this.floodDisconnecting = true;
      this.room.countDrop('flooding');
      this.log.warn({ refused: this.refusedSinceCalm }, 'disconnecting a flooding member');
      // After this turn, so the client is told rate_limited before it is told goodbye.
      setTimeout(() => void this.disconnect('flooding'), 0);
    }
    throw new ChatError('rate_limited');
  }

  /** @internal */
  requireJoined(): void {
    if (this.state !== 'joined') throw new ChatError('not_joined');
  }

  /** @internal A public message (or `/me` action), past the rate limit already. */
  sendPublic(text: string, action = false): Promise<Reply> {
    const content = this.prepare(text);
    if (content === null) return Promise.resolve({ kind: 'ignored' });
    this.room.countMessageIn();
    const draft: EventDraft = {
      kind: 'message',
      senderId: this.id,
      sender: this.currentName,
      content,
      agent: false,
    };
    // Set only when true, so a plain message's event (and its JSON on the wire) is unchanged.
    if (action) draft.action = true;
    return this.room.publishDraft(draft).then(sentReply);
  }

  /** @internal A private message, past the rate limit already; sent from the default room. */
  sendPrivate(to: string, text: string): Promise<Reply> {
    if (this.owner !== undefined) return this.owner.sendPrivate(to, text);
    const target = this.room.findMember(to);
    if (target === undefined) {
      throw new ChatError('no_such_member', `No user named '${sanitizeForMessage(to)}' here.`);
    }
    const content = this.prepare(text);
    if (content === null) return Promise.resolve({ kind: 'ignored' });
    this.room.countMessageIn();
    return this.room
      .publishDraft({
        kind: 'message',
        senderId: this.id,
        sender: this.currentName,
        content,
        agent: false,
        toId: target.id,
        to: target.name,
      })
      .then(sentReply);
  }

  private prepare(text: string): string | null {
    try {
      return prepareMessageText(text, this.room.limits.maxTextChars);
    } catch (err) {
      this.room.countDrop('too_long');
      throw err;
    }
  }
}

interface Waiter {
  promise: Promise<void>;
  resolve: () => void;
}

const RESOLVED: Promise<void> = Promise.resolve();

function waiter(): Waiter {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

function sentReply(stamp: Stamp): Reply {
  return { kind: 'sent', seq: stamp.seq, ts: stamp.ts };
}

function sanitizeForMessage(text: string): string {
  return text.replace(/[^\p{L}\p{N}_.-]/gu, '').slice(0, 32);
}
