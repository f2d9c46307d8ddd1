import type { Socket } from 'node:net';
import {
  ChatError,
  type DisconnectReason,
  type Logger,
  type Member,
  type Reply,
  type Room,
  type RoomEvent,
  type Session,
  type TokenVerifier,
  toChatError,
} from '@chatgate/core';
import {
  CorkedOutput,
  type DeadlineQueue,
  type FrameSink,
  isOthersPresence,
} from '@chatgate/core/transport';
import type { BytesRun } from './bytes-run.js';
import type { Input, InputDecoder, TcpDialect } from './tcp-dialect.js';

/** What every session of one listener shares. */
export interface SessionContext {
  readonly room: Room;
  readonly dialect: TcpDialect;
  readonly maxLineBytes: number;
  /** Members log in with `/login TOKEN` before they join; null: the dialect's own naming. */
  readonly login: { tokens: TokenVerifier; onRefused: () => void } | null;
  /** Sessions still to send a name, closed when their time is up; null: no deadline. */
  readonly nameDeadlines: DeadlineQueue<TcpSession> | null;
  /**
   * Closing sockets, destroyed if not closed when the grace is up: a hard deadline, not an
   * idle timeout, so a client that trickles bytes and never reads cannot hold the slot.
   */
  readonly closeDeadlines: DeadlineQueue<Socket>;
}

/** Told once when a session's socket has closed. */
export interface SessionOwner {
  sessionClosed(session: TcpSession): void;
}

type State = 'naming' | 'joining' | 'joined' | 'closing' | 'closed';

/** Private messages are not tied to a room: never marked with one. */
function isPrivate(event: RoomEvent): boolean {
  return event.kind === 'message' && event.toId !== undefined;
}

/** Refused `/login` attempts before the connection is closed (with the name deadline). */
export const MAX_LOGIN_ATTEMPTS = 3;

const LOGIN = /^\/login\s+(\S+)\s*$/i;

/** Undecoded input held while an input is in flight, past which the socket is paused. */
const MAX_PENDING_INPUT_BYTES = 64 * 1024;

// Socket listeners are shared by every connection and find their session here, so a
// connection costs no closures. Not a property on the socket: that would change its hidden
// class (docs/architecture.md, "Sockets keep Node's shape"). None of them throws.
const sessionOf = new WeakMap<Socket, TcpSession>();

function onSocketData(this: Socket, chunk: Buffer): void {
  sessionOf.get(this)?.receive(chunk);
}

function onSocketClose(this: Socket): void {
  sessionOf.get(this)?.closed();
}

/** The 'error' listener every accepted socket gets first, before it has a session. */
export function onSocketError(this: Socket, err: Error): void {
  sessionOf.get(this)?.failed(err);
}

/**
 * One TCP connection as a room Session: feeds socket bytes through the dialect's decoder,
 * applies the naming policy (join at once, or when the first input names the member), turns
 * inputs into member input and replies/errors into bytes, and writes room events.
 *
 * Leaving: whatever ends the connection (client close or error, /quit, a leave frame, name
 * timeout, a malformed frame, the room's disconnect), `member.leave` is called with the first
 * reason and core announces it exactly once. The gate slot is released on socket 'close'.
 */
export class TcpSession implements Session<Buffer, BytesRun>, FrameSink<Buffer> {
  readonly dialect: TcpDialect;
  private member: Member | undefined;
  private state: State = 'naming';
  private reason: DisconnectReason | undefined;
  /** Made on the first byte: an idle connection holds no framer. */
  private inputDecoder: InputDecoder | undefined;
  /** The peer dialect's first message, sent once its join is through. */
  private firstText: string | undefined;
  /** An input is in flight: the next waits, so replies and errors keep input order. */
  private awaiting = false;
  private refusedLogins = 0;
  private log: Logger;
  /** Corked writes and deferred presence; null for a dialect that writes each event alone. */
  private readonly output: CorkedOutput<Buffer> | null;

  constructor(
    private readonly socket: Socket,
    private readonly context: SessionContext,
    log: Logger,
    private readonly release: () => void,
    private readonly owner: SessionOwner,
  ) {
    this.dialect = context.dialect;
    this.log = log;
    this.output = this.dialect.coalesce ? new CorkedOutput(socket, this) : null;
  }

  private get decoder(): InputDecoder {
    this.inputDecoder ??= this.dialect.createDecoder({ maxLineBytes: this.context.maxLineBytes });
    return this.inputDecoder;
  }

  /** Bytes the client has not taken yet (see CorkedOutput.bufferedBytes). */
  get bufferedBytes(): number {
    return this.output === null ? this.socket.writableLength : this.output.bufferedBytes;
  }

  /** Starts reading. Joins at once (`auto` naming) or starts the name deadline. */
  start(): void {
    const socket = this.socket;
    sessionOf.set(socket, this);
    socket.on('data', onSocketData);
    socket.on('close', onSocketClose);
    if (this.context.login !== null) {
      this.context.nameDeadlines?.add(this);
      const prompt = this.dialect.loginPrompt?.();
      if (prompt !== undefined) this.write(prompt);
    } else if (this.dialect.naming === 'auto') {
      this.join(undefined, undefined);
    } else {
      this.context.nameDeadlines?.add(this);
    }
  }

  deliver(event: RoomEvent, frame: Buffer | null, self: Member): void {
    // The first delivery is our own join, before room.join() resolves.
    if (this.member === undefined) this.member = self;
    let bytes = this.dialect.render(event, frame, self);
    if (bytes === null) return;
    if (!self.isCurrent && !isPrivate(event)) bytes = this.fromRoom(self, bytes);
    // Others' joins and leaves may wait for the next presence flush (see CorkedOutput).
    if (this.output !== null && isOthersPresence(event, self)) this.output.defer(bytes);
    else this.write(bytes);
  }

  /** A run of others' joins and leaves (line: the exact lines, built once for everyone). */
  deliverPresence(run: BytesRun, known: number, self: Member): void {
    if (this.member === undefined) this.member = self;
    const bytes = run.from(known);
    if (bytes.length === 0) return;
    this.write(self.isCurrent ? bytes : this.fromRoom(self, bytes));
  }

  private fromRoom(self: Member, bytes: Buffer): Buffer {
    return this.dialect.fromRoom?.(self.roomName, bytes) ?? bytes;
  }

  // ---- FrameSink (called by this session's CorkedOutput) ----

  /** @internal */
  canWrite(): boolean {
    return this.socket.writable;
  }

  /** @internal */
  bytesOf(bytes: Buffer): Buffer {
    return bytes;
  }

  /** @internal */
  writeFrame(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /**
   * Ends the connection: leave with `reason`, send `notice` (default: the dialect's farewell
   * for `reason`), close. Idempotent. `too_slow` destroys at once: its unsent output would never drain.
   */
  close(reason: DisconnectReason, notice?: Buffer | null): void {
    if (this.state === 'closing' || this.state === 'closed') return;
    this.state = 'closing';
    this.reason = reason;
    this.clearNameDeadline();
    this.leave(reason);
    const socket = this.socket;
    if (reason === 'too_slow' || socket.destroyed) {
      socket.destroy();
      return;
    }
    const bytes = notice === undefined ? this.dialect.farewell(reason) : notice;
    this.output?.flushDeferred();
    this.context.closeDeadlines.add(socket);
    // Keep reading (and discarding) so the client's FIN is seen and 'close' follows.
    socket.resume();
    if (bytes === null) socket.end();
    else socket.end(bytes);
  }

  /** Server shutdown of this connection, joined or not (listener.close({ drain: false })). */
  shutdown(): void {
    if (this.state === 'joined' && this.member !== undefined) {
      void this.member.disconnect('shutdown');
    } else {
      this.close('shutdown');
    }
  }

  /** @internal socket 'data' */
  receive(chunk: Buffer): void {
    if (this.state === 'closing' || this.state === 'closed') return;
    try {
      this.decoder.push(chunk);
      this.pump();
      if (this.awaiting && this.decoder.pendingBytes > MAX_PENDING_INPUT_BYTES) {
        this.socket.pause();
      }
    } catch (err) {
      this.log.error({ err }, 'input handling failed');
      this.close('error');
    }
  }

  /** @internal socket 'error'; 'close' follows. */
  failed(err: Error): void {
    const code = (err as NodeJS.ErrnoException).code;
    this.reason ??= code === 'ECONNRESET' || code === 'EPIPE' ? 'closed' : 'error';
    this.log.debug({ err }, 'socket error');
  }

  /** @internal socket 'close' */
  closed(): void {
    if (this.state === 'closed') return;
    const reason = this.reason ?? 'closed';
    this.state = 'closed';
    this.reason = reason;
    this.clearNameDeadline();
    this.context.closeDeadlines.delete(this.socket);
    this.release();
    this.owner.sessionClosed(this);
    this.leave(reason);
    this.log.info({ reason }, 'disconnected');
  }

  /** @internal name deadline */
  nameTimedOut(): void {
    if (this.state !== 'naming' && this.state !== 'joining') return;
    this.log.info({ timeoutMs: this.context.nameDeadlines?.delayMs }, 'no name in time');
    this.close('timeout');
  }

  private pump(): void {
    if (this.inputDecoder === undefined) return;
    while ((this.state === 'naming' || this.state === 'joined') && !this.awaiting) {
      const input = this.decoder.next();
      if (input === undefined) return;
      this.handle(input);
    }
  }

  private handle(input: Input): void {
    switch (input.kind) {
      case 'text':
        if (this.state !== 'naming') this.submit(input.text);
        else if (this.context.login !== null) this.logIn(input.text.trim());
        else if (input.text.trim().length > 0) this.join(input.text.trim(), undefined);
        return;
      case 'message':
        if (this.state === 'naming') this.join(input.sender.trim(), input.text);
        else this.submit(input.text);
        return;
      case 'leave':
        this.close('quit');
        return;
      case 'refused':
        this.reply(this.dialect.renderError(input.error));
        return;
      case 'malformed':
        this.log.info({ detail: input.detail }, 'malformed input');
        this.close('protocol');
        return;
    }
  }

  /** Before joining, with tokens on: `/login TOKEN` joins as the token's `sub`. */
  private logIn(text: string): void {
    if (text === '') return;
    if (text.toLowerCase() === '/quit') {
      this.close('quit');
      return;
    }
    const token = LOGIN.exec(text)?.[1];
    if (token === undefined) {
      this.reply(
        this.dialect.renderError(new ChatError('auth_required', 'log in first: /login TOKEN')),
      );
      return;
    }
    this.awaiting = true;
    this.context.login?.tokens.verifySubject(token).then(
      (name) => this.onLoggedIn(name),
      (err: unknown) => this.onLoginRefused(err),
    );
  }

  private onLoggedIn(name: string): void {
    this.awaiting = false;
    if (this.state !== 'naming') return;
    this.join(name, undefined);
  }

  private onLoginRefused(err: unknown): void {
    this.awaiting = false;
    if (this.state !== 'naming') return;
    const error = toChatError(err);
    this.context.login?.onRefused();
    this.refusedLogins++;
    this.log.info({ code: error.code, attempt: this.refusedLogins }, 'login refused');
    if (this.refusedLogins >= MAX_LOGIN_ATTEMPTS) {
      const last = this.dialect.renderError(
        new ChatError(error.code, `${error.message} Too many failed logins.`),
      );
      this.close('protocol', last);
      return;
    }
    this.reply(this.dialect.renderError(error));
    this.continueInput();
  }

  private join(name: string | undefined, firstText: string | undefined): void {
    this.state = 'joining';
    this.firstText = firstText;
    // Inputs after the name wait in the decoder (and the kernel) until the join is through.
    this.socket.pause();
    this.context.room
      .join(this, {
        name,
        plainText: this.dialect.plainText,
        rooms: this.dialect.rooms,
        log: this.log,
      })
      .then(
        (member) => this.onJoined(member),
        (err: unknown) => this.onJoinFailed(err),
      );
  }

  private onJoined(member: Member): void {
    this.member = member;
    if (this.state !== 'joining') {
      // Closed while the join was in flight.
      this.leave(this.reason ?? 'closed');
      return;
    }
    this.state = 'joined';
    this.clearNameDeadline();
    this.log = member.log;
    const text = this.firstText;
    this.firstText = undefined;
    if (text !== undefined) this.submit(text);
    this.socket.resume();
    this.continueInput();
  }

  private onJoinFailed(err: unknown): void {
    if (this.state !== 'joining') return;
    const error = toChatError(err);
    if (error.code === 'internal') this.log.error({ err }, 'join failed');
    else this.log.info({ code: error.code }, 'join refused');
    this.state = 'naming';
    if (error.code === 'closed') this.close('shutdown');
    else this.close('protocol', this.dialect.renderError(error));
  }

  private submit(text: string): void {
    const member = this.member;
    if (member === undefined) return;
    this.awaiting = true;
    // Callbacks made per call, not held per connection: an idle member costs no closures.
    member.input(text).then(
      (reply) => this.onReply(reply),
      (err: unknown) => this.onInputError(err),
    );
  }

  private onReply(reply: Reply): void {
    this.awaiting = false;
    if (reply.kind === 'quit') {
      this.close('quit');
      return;
    }
    if (this.state !== 'joined' || this.member === undefined) return;
    this.reply(this.dialect.renderReply(reply, this.member));
    this.continueInput();
  }

  private onInputError(err: unknown): void {
    this.awaiting = false;
    const error = toChatError(err);
    if (this.state !== 'joined' || error.code === 'not_joined') return;
    if (error.code === 'internal') this.log.error({ err }, 'input failed');
    this.reply(this.dialect.renderError(error));
    this.continueInput();
  }

  /** Runs inside promise callbacks, so it must not throw. */
  private continueInput(): void {
    try {
      this.pump();
      if (
        (this.state === 'joined' || this.state === 'naming') &&
        this.socket.isPaused() &&
        (this.inputDecoder?.pendingBytes ?? 0) <= MAX_PENDING_INPUT_BYTES
      ) {
        this.socket.resume();
      }
    } catch (err) {
      this.log.error({ err }, 'input handling failed');
      this.close('error');
    }
  }

  /** Writes an answer to this client's own input; a client that never reads is cut off. */
  private reply(bytes: Buffer | null): void {
    if (bytes === null) return;
    this.write(bytes);
    const buffered = this.bufferedBytes;
    if (buffered > this.context.room.limits.maxBufferedBytes) {
      this.log.warn({ buffered }, 'disconnecting a slow consumer');
      if (this.member !== undefined) void this.member.disconnect('too_slow');
      else this.close('too_slow');
    }
  }

  private write(bytes: Buffer): void {
    const socket = this.socket;
    if (!socket.writable) return;
    if (this.output === null) socket.write(bytes);
    else this.output.write(bytes);
  }

  private leave(reason: DisconnectReason): void {
    this.member?.leave(reason).catch((err: unknown) => {
      this.log.error({ err }, 'leave failed');
    });
  }

  private clearNameDeadline(): void {
    this.context.nameDeadlines?.delete(this);
  }
}
