import type {
  DisconnectReason,
  JoinOptions,
  Logger,
  Member,
  MessageEvent,
  Reply,
  ResumeOutcome,
  Room,
  RoomEvent,
  Session,
} from '@chatgate/core';
import { type ResumeRequest, type TokenVerifier, toChatError } from '@chatgate/core';
import {
  CorkedOutput,
  type DeadlineQueue,
  type FrameSink,
  type Heartbeat,
  isOthersPresence,
} from '@chatgate/core/transport';
import type { WebSocket } from 'ws';
import {
  BYE_MESSAGES,
  CLOSE_CODE_BY_REASON,
  CLOSE_INTERNAL_ERROR,
  CLOSE_MESSAGE_TOO_BIG,
  CLOSE_POLICY_VIOLATION,
  CLOSE_UNSUPPORTED_DATA,
} from './close-codes.js';
import type { JsonDialect, JsonPresenceRun } from './json-dialect.js';
import {
  type PreparedFrame,
  sendPrepared,
  type WireSocket,
  wireBytesOf,
  wireSocketOf,
  writePrepared,
  writePreparedRun,
} from './prepared-frame.js';
import {
  type ClientMessage,
  CONNECTED_MESSAGE,
  decodeClientMessage,
  encodeBye,
  encodeConnectResponse,
  encodeError,
  encodeHistoryMessage,
  encodeLoginRefusal,
  encodeReply,
  encodeResumed,
  encodeRoomJoined,
  encodeWelcome,
  type MessageRef,
} from './protocol.js';
import { handshake, joinRefusal } from './ws-handshake.js';

/** What every session of one gateway shares: the room, limits and the shared timers. */
export interface GatewayContext {
  readonly room: Room;
  readonly maxPayloadBytes: number;
  readonly historyReplay: number;
  /** Connections that have not sent a valid connect yet, closed when their time is up. */
  readonly nameDeadlines: DeadlineQueue<WsSession>;
  /** Sockets we asked to close; terminated if the peer does not finish the close handshake. */
  readonly closeDeadlines: DeadlineQueue<WebSocket>;
  readonly heartbeat: Heartbeat<WsSession> | null;
  readonly sessions: Set<WsSession>;
  /** This gateway's wire format (one instance: one encode per event for all its members). */
  readonly dialect: JsonDialect;
  /** Set when names need a token (see the README's "Tokens"); null: anonymous. */
  readonly tokens: TokenVerifier | null;
  /** Called once per connection refused for its token. */
  readonly authRefused: () => void;
}

type State = 'pending' | 'joining' | 'joined' | 'closing' | 'closed';

/** A decoded text frame within the size limit (the rest close the connection at once). */
type TextMessage = Exclude<ClientMessage, { kind: 'too_large' } | { kind: 'binary' }>;
type ChatMessage = Extract<ClientMessage, { kind: 'chat' }>;

/** Frames a client may send while its join is in flight; more is a protocol abuse. */
const MAX_FRAMES_WHILE_JOINING = 32;
const OPEN = 1;

const kSession = Symbol('chatgate.wsSession');
type TaggedSocket = WebSocket & { [kSession]?: WsSession };

// Listeners are shared module functions that find their session through a symbol on the
// socket (as ws does), so a connection costs no closures. None of them may throw.
function onSocketMessage(
  this: TaggedSocket,
  data: Buffer | ArrayBuffer | Buffer[],
  isBinary: boolean,
) {
  const session = this[kSession];
  if (session === undefined) return;
  try {
    session.receive(data, isBinary);
  } catch (err) {
    session.fail(err);
  }
}

function onSocketClose(this: TaggedSocket, code: number) {
  try {
    this[kSession]?.closed(code);
  } catch {
    // closed() only does bookkeeping; nothing left to tell anyone.
  }
}

function onSocketError(this: TaggedSocket, err: Error) {
  this[kSession]?.socketError(err);
}

function onSocketPong(this: TaggedSocket) {
  const session = this[kSession];
  if (session !== undefined) session.alive = true;
}

export interface AcceptOptions {
  /** Per-connection logger: {conn, transport, dialect, remote}. */
  log: Logger;
  /** The name in the URL (`/ws/:username`), if the client used that route. */
  pathName: string | undefined;
  /** Gives the connection's place in the ConnectionGate back; called once on close. */
  release: () => void;
}

/**
 * One WebSocket connection: the connect handshake, then a room member. Implements core's
 * Session: `deliver` writes the room's pre-encoded frame as is (every recipient gets the same
 * bytes), and the member's own join is rendered here as connect_response, history, welcome.
 */
export class WsSession
  implements Session<PreparedFrame, JsonPresenceRun>, FrameSink<PreparedFrame>
{
  readonly dialect: JsonDialect;
  /** Set by a pong; cleared by each heartbeat tick. */
  alive = true;
  private state: State = 'pending';
  private member: Member | undefined;
  private reason: DisconnectReason | undefined;
  /** Joined with `resume.since`: missed events replace the history replay. */
  private resuming = false;
  /** Decoded frames that arrived while the join was in flight, handled in order after it. */
  private framesWhileJoining: TextMessage[] = [];
  private log: Logger;
  /** The socket under ws when frames can be written and corked there; null: plain ws.send. */
  private readonly wire: WireSocket | null;
  /** Corked writes and deferred presence on `wire`; null when ws must write (plain ws.send). */
  private readonly output: CorkedOutput<PreparedFrame> | null;

  private constructor(
    private readonly ws: TaggedSocket,
    private readonly ctx: GatewayContext,
    private readonly options: AcceptOptions,
  ) {
    this.log = options.log;
    this.wire = wireSocketOf(ws);
    this.output = this.wire === null ? null : new CorkedOutput(this.wire, this);
    this.dialect = ctx.dialect;
  }

  /** Takes over an upgraded socket: listeners, name timeout, heartbeat. */
  static accept(ws: WebSocket, ctx: GatewayContext, options: AcceptOptions): WsSession {
    const session = new WsSession(ws, ctx, options);
    const tagged = ws as TaggedSocket;
    tagged[kSession] = session;
    ws.on('error', onSocketError);
    ws.on('message', onSocketMessage);
    ws.on('close', onSocketClose);
    ws.on('pong', onSocketPong);
    ctx.sessions.add(session);
    ctx.nameDeadlines.add(session);
    ctx.heartbeat?.add(session);
    options.log.info({ path: options.pathName === undefined ? 'ws' : 'ws/:username' }, 'connected');
    return session;
  }

  /** Bytes the client has not taken yet (see CorkedOutput.bufferedBytes). */
  get bufferedBytes(): number {
    return this.output === null ? this.ws.bufferedAmount : this.output.bufferedBytes;
  }

  /** The member's name once joined. */
  get name(): string | undefined {
    return this.member?.name;
  }

  // ---- Session (called by the room) ----

  deliver(event: RoomEvent, frame: PreparedFrame | null, self: Member): void {
    if (!this.writable()) return;
    if (event.kind === 'join' && event.memberId === self.id) {
      if (self.owner === undefined) this.welcome(self, event.seq);
      else this.roomWelcome(self, event.seq);
      return;
    }
    if (frame === null) return;
    const output = this.output;
    if (output === null) {
      sendPrepared(this.ws, frame);
      return;
    }
    // A join storm would cost every member one write per join; others' presence waits for
    // the shared presence flush instead, and anything else written first sends it along.
    if (isOthersPresence(event, self)) output.defer(frame);
    else output.write(frame);
  }

  /**
   * A run of others' joins and leaves, built once for every member: the tail after what this
   * member knows, in one write of shared bytes (or one count frame in a large room).
   */
  deliverPresence(run: JsonPresenceRun, known: number, _self: Member): void {
    if (!this.writable()) return;
    const from = run.counted ? 0 : known;
    const output = this.output;
    if (output === null) {
      for (let i = from; i < run.frames.length; i++) sendPrepared(this.ws, run.frames[i]!);
      return;
    }
    output.prepare();
    writePreparedRun(this.ws, this.wire!, run.bytes, run.starts[from] ?? 0, run.frames, from);
  }

  // ---- FrameSink (called by this session's CorkedOutput) ----

  /** @internal */
  canWrite(): boolean {
    return this.writable();
  }

  /** @internal */
  bytesOf(frame: PreparedFrame): Buffer | null {
    return wireBytesOf(this.ws, frame);
  }

  /** @internal */
  writeFrame(frame: PreparedFrame): void {
    writePrepared(this.ws, this.wire!, frame);
  }

  close(reason: DisconnectReason): void {
    this.shut(CLOSE_CODE_BY_REASON[reason], reason, encodeBye(reason, BYE_MESSAGES[reason]));
  }

  // ---- socket events ----

  /** @internal One client frame. */
  receive(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    if (this.state === 'closing' || this.state === 'closed') return;
    const message = decodeClientMessage(data, isBinary, this.ctx.maxPayloadBytes);
    if (message.kind === 'too_large') {
      this.shut(CLOSE_MESSAGE_TOO_BIG, 'protocol', null, 'message too big');
      return;
    }
    if (message.kind === 'binary') {
      this.shut(CLOSE_UNSUPPORTED_DATA, 'protocol', null, 'text frames only');
      return;
    }
    switch (this.state) {
      case 'pending':
        this.handshake(message);
        return;
      case 'joining':
        if (this.framesWhileJoining.length >= MAX_FRAMES_WHILE_JOINING) {
          this.log.warn(
            { frames: this.framesWhileJoining.length },
            'too many frames before joining',
          );
          this.shut(
            CLOSE_POLICY_VIOLATION,
            'flooding',
            encodeBye('flooding', BYE_MESSAGES.flooding),
          );
          return;
        }
        this.framesWhileJoining.push(message);
        return;
      case 'joined':
        this.handle(message);
        return;
    }
  }

  /** @internal The socket is gone (either side closed it, or it was terminated). */
  closed(code: number): void {
    if (this.state === 'closed') return;
    const reason = this.reason ?? 'closed';
    this.state = 'closed';
    this.framesWhileJoining = [];
    this.ctx.sessions.delete(this);
    this.ctx.nameDeadlines.delete(this);
    this.ctx.heartbeat?.delete(this);
    this.options.release();
    this.log.info({ code, reason }, 'disconnected');
    // A member still joining leaves once its join resolves (see join()).
    if (this.member !== undefined) this.leaveQuietly(this.member, reason);
  }

  /** @internal ws reports protocol errors (bad UTF-8, over maxPayload…) here, then closes. */
  socketError(err: Error): void {
    this.reason ??= 'protocol';
    const code = (err as { code?: unknown }).code;
    this.log.debug({ code, message: err.message }, 'socket error');
  }

  /** @internal A bug in our own handling: log it, drop the connection, keep the process. */
  fail(err: unknown): void {
    this.log.error({ err }, 'websocket handler failed');
    this.shut(CLOSE_INTERNAL_ERROR, 'error', encodeBye('error', BYE_MESSAGES.error));
  }

  /** @internal Heartbeat tick: drop a peer that did not answer the last ping. */
  beat(): void {
    if (this.state === 'closing' || this.state === 'closed') return;
    if (!this.alive) {
      this.log.info({}, 'heartbeat missed; dropping');
      this.reason ??= 'timeout';
      this.ws.terminate();
      return;
    }
    this.alive = false;
    this.ws.ping();
  }

  /** @internal The name timeout ran out before a valid connect. */
  nameTimedOut(): void {
    if (this.state !== 'pending') return;
    this.log.info({}, 'no connect message in time');
    this.shut(CLOSE_POLICY_VIOLATION, 'timeout', null, 'connect timeout');
  }

  // ---- handshake ----

  private handshake(message: TextMessage): void {
    const result = handshake(message, this.options.pathName);
    switch (result.kind) {
      case 'join':
        if (this.ctx.tokens === null) this.join(result.name, result.resume);
        else this.verifyThenJoin(this.ctx.tokens, message, result.name, result.resume);
        return;
      case 'connect_first':
        this.shut(
          CLOSE_POLICY_VIOLATION,
          'protocol',
          encodeConnectResponse(false, result.message),
          'connect first',
        );
        return;
      case 'refuse':
        this.refuse(result.message, result.closeCode);
        return;
    }
  }

  /** With tokens on, the token must name this member before the room sees the join. */
  private verifyThenJoin(
    tokens: TokenVerifier,
    message: TextMessage,
    name: string | undefined,
    resume: ResumeRequest | undefined,
  ): void {
    this.state = 'joining';
    this.ctx.nameDeadlines.delete(this);
    const token = message.kind === 'connect' ? message.token : undefined;
    tokens.verifyName(token, name).then(
      () => {
        if (this.state === 'joining') this.join(name, resume);
      },
      (err: unknown) => {
        if (this.state !== 'joining') return;
        const error = toChatError(err);
        const refusal = joinRefusal(error);
        if (refusal.bug) this.log.error({ err }, 'token check failed');
        else this.ctx.authRefused();
        this.refuse(refusal.message, refusal.closeCode);
      },
    );
  }

  private join(name: string | undefined, resume: ResumeRequest | undefined): void {
    this.state = 'joining';
    this.ctx.nameDeadlines.delete(this);
    const joinOptions: JoinOptions =
      name === undefined ? { log: this.log } : { name, log: this.log };
    if (resume?.token !== undefined) joinOptions.resumeToken = resume.token;
    if (resume?.since !== undefined) {
      joinOptions.since = resume.since;
      this.resuming = true;
    }
    this.ctx.room.join(this, joinOptions).then(
      (member) => {
        if (this.state !== 'joining') {
          // The socket closed (or was shut) while the join was in flight.
          this.leaveQuietly(member, this.reason ?? 'closed');
          return;
        }
        this.member = member;
        this.log = member.log;
        this.state = 'joined';
        const early = this.framesWhileJoining;
        this.framesWhileJoining = [];
        for (const message of early) {
          if (this.state !== 'joined') break;
          this.handle(message);
        }
      },
      (err: unknown) => {
        if (this.state !== 'joining') return;
        const refusal = joinRefusal(toChatError(err));
        if (refusal.bug) this.log.error({ err }, 'join failed');
        this.refuse(refusal.message, refusal.closeCode);
      },
    );
  }

  /** Name refused: `login_response` (the type group_terminal clients expect), then close. */
  private refuse(message: string, code: number): void {
    this.log.info({ message }, 'name refused');
    this.shut(code, 'protocol', encodeLoginRefusal(message), 'name refused');
  }

  /** The member's own join: connect_response first (group_terminal waits for it), then history. */
  private welcome(self: Member, seq: number): void {
    this.sendText(encodeConnectResponse(true, CONNECTED_MESSAGE));
    // A resuming client gets what it missed instead (see resumed()), not the history again.
    if (this.ctx.historyReplay > 0 && !this.resuming) {
      const history: MessageEvent[] = self.history(this.ctx.historyReplay);
      for (const event of history) {
        if (event.seq < seq) this.sendText(encodeHistoryMessage(event));
      }
    }
    // A large room's welcome carries the count, not N names: N joins would cost N² bytes.
    const count = self.roomSize;
    const users = this.dialect.counts(count) ? null : self.users();
    const resume = { epoch: this.ctx.room.position.epoch, token: self.resumeToken };
    this.sendText(encodeWelcome(self.name, users, count, seq, resume, self.roomName));
  }

  /** Another room joined: its history, then who is there, before anything newer from it. */
  private roomWelcome(self: Member, seq: number): void {
    if (this.ctx.historyReplay > 0) {
      for (const event of self.history(this.ctx.historyReplay)) {
        if (event.seq < seq) this.sendText(encodeHistoryMessage(event, self.roomName));
      }
    }
    const count = self.roomSize;
    const users = this.dialect.counts(count) ? null : self.users();
    this.sendText(encodeRoomJoined(self.roomName, users, count, seq));
  }

  /** Session: after a resume's missed events; a reset gets the history replay after all. */
  resumed(outcome: ResumeOutcome, self: Member): void {
    if (!this.writable()) return;
    this.sendText(encodeResumed(outcome, this.ctx.room.position.epoch));
    if (outcome.kind === 'reset' && this.ctx.historyReplay > 0) {
      for (const event of self.history(this.ctx.historyReplay)) {
        this.sendText(encodeHistoryMessage(event));
      }
    }
  }

  // ---- joined ----

  private handle(message: TextMessage): void {
    const member = this.member;
    if (member === undefined) return;
    switch (message.kind) {
      case 'chat': {
        this.log.debug({ to: message.to, content: message.content }, 'input');
        this.answer(this.chat(member, message), message.ref);
        return;
      }
      case 'join_room':
        this.answer(member.joinRoom(message.room), message.ref);
        return;
      case 'part_room':
        this.answer(member.partRoom(message.room), message.ref);
        return;
      case 'invalid':
        this.sendText(encodeError(message.code, message.message));
        return;
      case 'unknown':
        this.log.debug({ type: message.type }, 'ignoring unknown message type');
        return;
      case 'connect':
        this.sendText(encodeError('already_connected', `Already connected as ${member.name}.`));
        return;
    }
  }

  /** A chat_message: private with `to`; with `room`, said there (which becomes current). */
  private chat(member: Member, message: ChatMessage): Promise<Reply> {
    if (message.to !== undefined) return member.whisper(message.to, message.content);
    if (message.room !== undefined) {
      try {
        member.switchRoom(message.room);
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return member.input(message.content);
  }

  /** Sends a request's reply (or error frame, with the request's `ref`). */
  private answer(reply: Promise<Reply>, ref: MessageRef | undefined): void {
    reply.then(
      (result) => {
        if (result.kind === 'quit') {
          this.close('quit');
          return;
        }
        const text = encodeReply(result);
        if (text !== null) this.sendText(text);
      },
      (err: unknown) => {
        const error = toChatError(err);
        if (error.code === 'internal') this.log.error({ err }, 'input failed');
        else this.log.debug({ code: error.code }, 'input refused');
        this.sendText(encodeError(error.code, error.message, ref));
      },
    );
  }

  // ---- output and closing ----

  private writable(): boolean {
    return this.state !== 'closing' && this.state !== 'closed' && this.ws.readyState === OPEN;
  }

  private sendText(text: string): void {
    if (!this.writable()) return;
    // Corked too, so replies and control frames keep their order among this turn's frames.
    this.output?.prepare();
    this.ws.send(text);
  }

  /**
   * Ends the connection once: optional last frame, close frame with `code`, member leaves with
   * `reason`. A peer that does not complete the close handshake is terminated after a grace.
   */
  private shut(
    code: number,
    reason: DisconnectReason,
    lastFrame: string | null,
    closeText: string = reason,
  ): void {
    if (this.state === 'closing' || this.state === 'closed') return;
    this.member?.flushPresence();
    this.output?.flushDeferred();
    if (lastFrame !== null) this.sendText(lastFrame);
    this.state = 'closing';
    this.reason ??= reason;
    this.framesWhileJoining = [];
    this.ctx.nameDeadlines.delete(this);
    this.ctx.heartbeat?.delete(this);
    try {
      this.ws.close(code, closeText);
    } catch {
      this.ws.terminate();
    }
    this.ctx.closeDeadlines.add(this.ws);
    if (this.member !== undefined) this.leaveQuietly(this.member, reason);
  }

  private leaveQuietly(member: Member, reason: DisconnectReason): void {
    member.leave(reason).catch((err: unknown) => {
      this.log.error({ err }, 'leave failed');
    });
  }
}
