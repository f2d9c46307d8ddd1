import { COMMAND_HELP, type PlainTextPolicy, parseCommand } from './commands.js';
import { ChatError, type DisconnectReason } from './errors.js';
import type { EventDraft, MemberId, MessageEvent, Stamp } from './events.js';
import type { TokenBucket } from './limits.js';
import { type Logger, lazyChild } from './log.js';
import { foldName, normalizeName } from './names.js';
import type { Session } from './session.js';
import { prepareMessageText } from './text.js';

/** What a line of input did, for the transport to render in its own words. */
export type Reply =
  | { kind: 'sent'; seq: number; ts: number }
  | { kind: 'ignored' }
  | { kind: 'users'; names: string[] }
  | { kind: 'people'; names: string[] }
  | { kind: 'history'; events: MessageEvent[] }
  | { kind: 'help'; commands: ReadonlyArray<{ usage: string; description: string }> }
  | { kind: 'renamed'; from: string; to: string }
  | { kind: 'quit' };

export type MemberState = 'joining' | 'joined' | 'leaving' | 'left';

/** The room as a member sees it; implemented by Room. */
export interface MemberHost {
  readonly maxTextChars: number;
  readonly floodDisconnectAfter: number;
  publish(draft: EventDraft): Promise<Stamp>;
  claimName(folded: string, by: MemberId): Promise<boolean>;
  releaseName(folded: string, by: MemberId): Promise<void>;
  findMember(name: string): { id: MemberId; name: string } | undefined;
  memberNames(): string[];
  recentHistory(n: number): MessageEvent[];
  detach(member: Member): void;
  countDrop(reason: string): void;
  countMessageIn(): void;
}

/**
 * One connection in one room. Created by `room.join()`; every input path checks the rate
 * limit and length, and publishes before its first await so a member's inputs keep their order.
 */
export class Member {
  state: MemberState = 'joining';
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
    private readonly host: MemberHost,
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
      return this.run(String(text));
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

  /** Everyone in the room, in join order. */
  users(): string[] {
    return this.host.memberNames();
  }

  /** Everyone but this member. */
  others(): string[] {
    return this.host.memberNames().filter((name) => name !== this.currentName);
  }

  history(count: number): MessageEvent[] {
    return this.host.recentHistory(count);
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

  private async renameAdmitted(requested: string): Promise<Reply> {
    this.requireJoined();
    const name = normalizeName(String(requested));
    const from = this.currentName;
    if (name === from) return { kind: 'renamed', from, to: name };
    const folded = foldName(name);
    if (!(await this.host.claimName(folded, this.id))) {
      throw new ChatError('name_taken', `The name '${name}' is already taken.`);
    }
    if (this.state !== 'joined') {
      if (folded !== this.currentFolded) await this.host.releaseName(folded, this.id);
      throw new ChatError('not_joined');
    }
    await this.host.publish({
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
    if (this.state === 'joining') await this.joined;
    this.state = 'leaving';
    this.host.detach(this);
    try {
      await this.host.publish({
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

  private run(text: string): Promise<Reply> {
    const command = parseCommand(text, this.plainText);
    if (command.kind === 'empty') return Promise.resolve({ kind: 'ignored' });
    this.admit();
    switch (command.kind) {
      case 'public':
        return this.sendPublic(command.text);
      case 'private':
        return this.sendPrivate(command.to, command.text);
      case 'people':
        return Promise.resolve({ kind: 'people', names: this.others() });
      case 'users':
        return Promise.resolve({ kind: 'users', names: this.users() });
      case 'history':
        return Promise.resolve({ kind: 'history', events: this.history(command.count) });
      case 'help':
        return Promise.resolve({ kind: 'help', commands: COMMAND_HELP });
      case 'nick':
        return this.renameAdmitted(command.name);
      case 'quit':
        return this.leave('quit').then(() => ({ kind: 'quit' }) as const);
      case 'unknown':
        throw new ChatError('unknown_command', `Unknown command: ${command.command}`);
      case 'usage':
        throw new ChatError('bad_request', `Usage: ${command.usage}`);
      case 'missing_target':
        throw new ChatError('target_required');
    }
  }

  /** Rate limit; persistent flooding disconnects. Throws rate_limited. */
  private admit(): void {
    this.requireJoined();
    if (this.bucket.full) this.refusedSinceCalm = 0;
    if (this.bucket.take()) return;
    this.host.countDrop('rate_limited');
    // Once: a flood schedules one disconnect, not one timer per refusal past the threshold.
    if (++this.refusedSinceCalm >= this.host.floodDisconnectAfter && !this.floodDisconnecting) {
      this.floodDisconnecting = true;
      this.host.countDrop('flooding');
      this.log.warn({ refused: this.refusedSinceCalm }, 'disconnecting a flooding member');
      // After this turn, so the client is told rate_limited before it is told goodbye.
      setTimeout(() => void this.disconnect('flooding'), 0);
    }
    throw new ChatError('rate_limited');
  }

  private requireJoined(): void {
    if (this.state !== 'joined') throw new ChatError('not_joined');
  }

  private sendPublic(text: string): Promise<Reply> {
    const content = this.prepare(text);
    if (content === null) return Promise.resolve({ kind: 'ignored' });
    this.host.countMessageIn();
    return this.host
      .publish({
        kind: 'message',
        senderId: this.id,
        sender: this.currentName,
        content,
        agent: false,
      })
      .then(sentReply);
  }

  private sendPrivate(to: string, text: string): Promise<Reply> {
    const target = this.host.findMember(to);
    if (target === undefined) {
      throw new ChatError('no_such_member', `No user named '${sanitizeForMessage(to)}' here.`);
    }
    const content = this.prepare(text);
    if (content === null) return Promise.resolve({ kind: 'ignored' });
    this.host.countMessageIn();
    return this.host
      .publish({
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
      return prepareMessageText(text, this.host.maxTextChars);
    } catch (err) {
      this.host.countDrop('too_long');
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
