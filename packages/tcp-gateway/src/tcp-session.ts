import type { Socket } from 'node:net';
import {
  type DisconnectReason,
  type Logger,
  type Member,
  type Reply,
  type Room,
  type RoomEvent,
  type Session,
  toChatError,
} from '@chatgate/core';
import {
  type DeferredWriter,
  isOthersPresence,
  schedulePresenceFlush,
} from '@chatgate/core/transport';
import type { BytesRun } from './bytes-run.js';
import type { Input, InputDecoder, TcpDialect } from './tcp-dialect.js';
import { writeCoalesced } from './write-coalesced.js';

/** What every session of one listener shares. */
export interface SessionContext {
  readonly room: Room;
  readonly dialect: TcpDialect;
  readonly maxLineBytes: number;
  /** 0 disables the name deadline. */
  readonly nameTimeoutMs: number;
  /** How long a closing connection may take to read its last words before it is destroyed. */
  readonly closeGraceMs: number;
}

/** Told once when a session's socket has closed. */
export interface SessionOwner {
  sessionClosed(session: TcpSession): void;
}

type Phase = 'naming' | 'joining' | 'joined' | 'closing' | 'closed';

/** Undecoded input held while an input is in flight, past which the socket is paused. */
const MAX_PENDING_INPUT_BYTES = 64 * 1024;

const SESSION = Symbol('chatgate.tcpSession');
type SessionSocket = Socket & { [SESSION]?: TcpSession };

// Socket listeners are shared by every connection and find their session through a symbol,
// so a connection costs no closures. None of them throws.
function onSocketData(this: SessionSocket, chunk: Buffer): void {
  this[SESSION]?.receive(chunk);
}

function onSocketClose(this: SessionSocket): void {
  this[SESSION]?.closed();
}

/** Someone else's join or leave: it may wait for the presence flush. */
function destroySocket(socket: Socket): void {
  socket.destroy();
}

function onNameTimeout(session: TcpSession): void {
  session.nameTimedOut();
}

/** The 'error' listener every accepted socket gets first, before it has a session. */
export function onSocketError(this: SessionSocket, err: Error): void {
  this[SESSION]?.failed(err);
}

/**
 * Destroys a socket that has not finished closing after `ms`: a hard deadline, not an idle
 * timeout, so a client that trickles bytes and never reads cannot hold the slot.
 */
export function destroyAfter(socket: Socket, ms: number): void {
  setTimeout(destroySocket, ms, socket).unref();
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
export class TcpSession implements Session<Buffer, BytesRun>, DeferredWriter {
  readonly dialect: TcpDialect;
  private member: Member | undefined;
  private phase: Phase = 'naming';
  private reason: DisconnectReason | undefined;
  /** Made on the first byte: an idle connection holds no framer. */
  private inputDecoder: InputDecoder | undefined;
  private nameTimer: NodeJS.Timeout | undefined;
  /** The peer dialect's first message, sent once its join is through. */
  private firstText: string | undefined;
  /** An input is in flight: the next waits, so replies and errors keep input order. */
  private awaiting = false;
  /** Unsent bytes when this turn's cork began (see bufferedBytes). */
  private backlogAtCork = 0;
  private log: Logger;
  /** Others' joins and leaves waiting for the presence flush (shared frames, in seq order). */
  private deferred: Buffer[] | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly context: SessionContext,
    log: Logger,
    private readonly release: () => void,
    private readonly owner: SessionOwner,
  ) {
    this.dialect = context.dialect;
    this.log = log;
  }

  private get decoder(): InputDecoder {
    this.inputDecoder ??= this.dialect.createDecoder({ maxLineBytes: this.context.maxLineBytes });
    return this.inputDecoder;
  }

  /**
   * Bytes the client has not taken yet; the room disconnects past its maxBufferedBytes. While
   * this turn's writes are corked it is the backlog from before the turn: a burst written in
   * one turn is not a slow client, and nothing drains mid-turn anyway. A client that does not
   * read is caught on its next turn, so memory stays within the limit plus one turn's output.
   */
  get bufferedBytes(): number {
    return this.socket.writableCorked > 0 ? this.backlogAtCork : this.socket.writableLength;
  }

  /** Starts reading. Joins at once (`auto` naming) or starts the name deadline. */
  start(): void {
    const socket = this.socket as SessionSocket;
    socket[SESSION] = this;
    socket.on('data', onSocketData);
    socket.on('close', onSocketClose);
    if (this.dialect.naming === 'auto') {
      this.join(undefined, undefined);
    } else if (this.context.nameTimeoutMs > 0) {
      this.nameTimer = setTimeout(onNameTimeout, this.context.nameTimeoutMs, this);
      this.nameTimer.unref();
    }
  }

  deliver(event: RoomEvent, frame: Buffer | null, self: Member): void {
    // The first delivery is our own join, before room.join() resolves.
    if (this.member === undefined) this.member = self;
    const bytes = this.dialect.render(event, frame, self);
    if (bytes === null) return;
    // Others' joins and leaves may wait for the next presence flush (see writeCoalesced).
    if (this.dialect.coalesce && isOthersPresence(event, self)) this.defer(bytes);
    else this.write(bytes);
  }

  /** A run of others' joins and leaves (line: the exact lines, built once for everyone). */
  deliverPresence(run: BytesRun, known: number, self: Member): void {
    if (this.member === undefined) this.member = self;
    const bytes = run.from(known);
    if (bytes.length > 0) this.write(bytes);
  }

  /** @internal presence flush: deferred bytes go out now, in one write. */
  flushDeferred(): void {
    const chunks = this.deferred;
    if (chunks === undefined) return;
    this.deferred = undefined;
    const socket = this.socket;
    if (!socket.writable) return;
    try {
      socket.write(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    } catch (err) {
      this.log.error({ err }, 'presence flush failed');
    }
  }

  /**
   * Ends the connection: leave with `reason`, send `notice` (default: the dialect's farewell
   * for `reason`), close. Idempotent. `too_slow` destroys at once: its backlog is hopeless.
   */
  close(reason: DisconnectReason, notice?: Buffer | null): void {
    if (this.phase === 'closing' || this.phase === 'closed') return;
    // Pending presence goes out before the farewell, and only while we are still a member.
    if (reason !== 'too_slow') this.member?.flushPresence();
    this.phase = 'closing';
    this.reason = reason;
    this.clearNameTimer();
    this.leave(reason);
    const socket = this.socket;
    if (reason === 'too_slow' || socket.destroyed) {
      socket.destroy();
      return;
    }
    const bytes = notice === undefined ? this.dialect.farewell(reason) : notice;
    this.flushDeferred();
    destroyAfter(socket, this.context.closeGraceMs);
    // Keep reading (and discarding) so the client's FIN is seen and 'close' follows.
    socket.resume();
    if (bytes === null) socket.end();
    else socket.end(bytes);
  }

  /** Server shutdown of this connection, joined or not (listener.close({ drain: false })). */
  shutdown(): void {
    if (this.phase === 'joined' && this.member !== undefined) {
      void this.member.disconnect('shutdown');
    } else {
      this.close('shutdown');
    }
  }

  /** @internal socket 'data' */
  receive(chunk: Buffer): void {
    if (this.phase === 'closing' || this.phase === 'closed') return;
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
    if (this.phase === 'closed') return;
    const reason = this.reason ?? 'closed';
    this.phase = 'closed';
    this.reason = reason;
    this.clearNameTimer();
    this.release();
    this.owner.sessionClosed(this);
    this.leave(reason);
    this.log.info({ reason }, 'disconnected');
  }

  /** @internal name deadline */
  nameTimedOut(): void {
    this.nameTimer = undefined;
    if (this.phase !== 'naming' && this.phase !== 'joining') return;
    this.log.info({ timeoutMs: this.context.nameTimeoutMs }, 'no name in time');
    this.close('timeout');
  }

  private pump(): void {
    if (this.inputDecoder === undefined) return;
    while ((this.phase === 'naming' || this.phase === 'joined') && !this.awaiting) {
      const input = this.decoder.next();
      if (input === undefined) return;
      this.handle(input);
    }
  }

  private handle(input: Input): void {
    switch (input.kind) {
      case 'text':
        if (this.phase !== 'naming') this.submit(input.text);
        else if (input.text.trim().length > 0) this.join(input.text.trim(), undefined);
        return;
      case 'message':
        if (this.phase === 'naming') this.join(input.sender.trim(), input.text);
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

  private join(name: string | undefined, firstText: string | undefined): void {
    this.phase = 'joining';
    this.firstText = firstText;
    // Inputs after the name wait in the decoder (and the kernel) until the join is through.
    this.socket.pause();
    this.context.room
      .join(this, { name, plainText: this.dialect.plainText, log: this.log })
      .then(this.onJoined, this.onJoinFailed);
  }

  private readonly onJoined = (member: Member): void => {
    this.member = member;
    if (this.phase !== 'joining') {
      // Closed while the join was in flight.
      this.leave(this.reason ?? 'closed');
      return;
    }
    this.phase = 'joined';
    this.clearNameTimer();
    this.log = member.log;
    const text = this.firstText;
    this.firstText = undefined;
    if (text !== undefined) this.submit(text);
    this.socket.resume();
    this.continueInput();
  };

  private readonly onJoinFailed = (err: unknown): void => {
    if (this.phase !== 'joining') return;
    const error = toChatError(err);
    if (error.code === 'internal') this.log.error({ err }, 'join failed');
    else this.log.info({ code: error.code }, 'join refused');
    this.phase = 'naming';
    if (error.code === 'closed') this.close('shutdown');
    else this.close('protocol', this.dialect.renderError(error));
  };

  private submit(text: string): void {
    const member = this.member;
    if (member === undefined) return;
    this.awaiting = true;
    member.input(text).then(this.onReply, this.onInputError);
  }

  private readonly onReply = (reply: Reply): void => {
    this.awaiting = false;
    if (reply.kind === 'quit') {
      this.close('quit');
      return;
    }
    if (this.phase !== 'joined' || this.member === undefined) return;
    this.reply(this.dialect.renderReply(reply, this.member));
    this.continueInput();
  };

  private readonly onInputError = (err: unknown): void => {
    this.awaiting = false;
    const error = toChatError(err);
    if (this.phase !== 'joined' || error.code === 'not_joined') return;
    if (error.code === 'internal') this.log.error({ err }, 'input failed');
    this.reply(this.dialect.renderError(error));
    this.continueInput();
  };

  /** Runs inside promise callbacks, so it must not throw. */
  private continueInput(): void {
    try {
      this.pump();
      if (
        this.phase === 'joined' &&
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
    if (!this.dialect.coalesce) {
      socket.write(bytes);
      return;
    }
    if (socket.writableCorked === 0) this.backlogAtCork = socket.writableLength;
    // Deferred presence first: it is older than these bytes.
    const chunks = this.deferred;
    if (chunks !== undefined) {
      this.deferred = undefined;
      writeCoalesced(socket, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    }
    writeCoalesced(socket, bytes);
  }

  private defer(bytes: Buffer): void {
    if (this.deferred === undefined) {
      this.deferred = [bytes];
      schedulePresenceFlush(this);
    } else {
      this.deferred.push(bytes);
    }
  }

  private leave(reason: DisconnectReason): void {
    this.member?.leave(reason).catch((err: unknown) => {
      this.log.error({ err }, 'leave failed');
    });
  }

  private clearNameTimer(): void {
    if (this.nameTimer !== undefined) {
      clearTimeout(this.nameTimer);
      this.nameTimer = undefined;
    }
  }
}
