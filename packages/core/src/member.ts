import { type PlainTextPolicy, parseCommand, type Reply } from './commands.js';
import { ChatError, type DisconnectReason } from './errors.js';
import type { EventDraft, MemberId, MessageEvent, Stamp } from './events.js';
import type { RoomLimits, TokenBucket } from './limits.js';
import { type Logger, lazyChild } from './log.js';
import { foldName, lookAlikeKey, normalizeName } from './names.js';
import { runCommand } from './run-command.js';
import type { Session } from './session.js';
import { prepareMessageText } from './text.js';

export type MemberState = 'joining' | 'joined' | 'leaving' | 'left';

/**
 * The room as a member sees it: implemented by Room, internal to core (not exported from the
 * package). A member's inputs go Member -> MemberRoom (Room) -> Engine.
 */
export interface MemberRoom {
  readonly limits: Readonly<RoomLimits>;
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

  constructor(
    private readonly room: MemberRoom,
    readonly id: MemberId,
    name: string,
    readonly session: Session,
    readonly plainText: PlainTextPolicy,
    private readonly bucket: TokenBucket,
    private readonly baseLog: Logger,
  ) {
    this.currentName = name;
    this.currentFolded = foldName(name);
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

  /** This member's logger, bound to its current name (a pino child only once it logs). */
  get log(): Logger {
    this.logger ??= lazyChild(this.baseLog, { name: this.currentName });
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
      return this.sendPrivate(String(to), String(text));
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

  /** Everyone in the room, in join order. */
  /** The room's limits (read-only). */
  get limits(): Readonly<RoomLimits> {
    return this.room.limits;
  }

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
      return this.renameAdmitted(requested);
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
    return { kind: 'renamed', from, to: name };
  }

  /**
   * Leaves the room, announced exactly once however often it is called (close, error,
   * timeout and /quit may all race). Resolves once the leave has been applied.
   */
  leave(reason: DisconnectReason = 'quit'): Promise<void> {
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
    this.leftWait?.resolve();
    this.leftWait = undefined;
  }

  private async leaveOnce(reason: DisconnectReason): Promise<void> {
    // Already ended by the room (another node or a resumed connection took over): no second leave.
    if (this.state === 'left') return;
    if (this.state === 'joining') await this.joined;
    this.state = 'leaving';
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

  /** @internal Rate limit; persistent flooding disconnects. Throws rate_limited. */
  admit(): void {
    this.requireJoined();
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

  private requireJoined(): void {
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

  /** @internal A private message, past the rate limit already. */
  sendPrivate(to: string, text: string): Promise<Reply> {
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
