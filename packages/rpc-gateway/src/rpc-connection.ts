import {
  type DisconnectReason,
  type JoinOptions,
  type Logger,
  type ResumeRequest,
  type Room,
  TokenBucket,
  type TokenVerifier,
} from '@chatgate/core';
import type { DeadlineQueue, Pingable } from '@chatgate/core/transport';
import type { ChatCallback } from '@chatgate/rpc-client';
import { RpcStub } from 'capnweb';
import type { WebSocket } from 'ws';
import { quote, RpcError, toRpcError } from './rpc-error.js';
import { RpcMemberSession, type SessionHost } from './rpc-member-session.js';
import { CLOSE_POLICY, type TransportOwner } from './socket-transport.js';

export interface ConnectionOptions {
  callbackTimeoutMs: number;
  epochMs: number;
  maxMembersPerConnection: number;
  /** Calls (RPC method invocations) one incoming message may start, nested ones included. */
  maxCallsPerMessage: number;
  /** Names need a token this verifier accepts (README "Tokens"); null: anonymous. */
  tokens: TokenVerifier | null;
  /** Called once per join refused for its token. */
  authRefused: () => void;
}

/** A gate slot for a member past the connection's first: the per-address cap counts members. */
export type AdmitMember = () => { ok: true; release: () => void } | { ok: false; reason: string };

/** WebSocket close codes for the reasons that end a whole connection, not just one member. */
const CONNECTION_CLOSES: Partial<Record<DisconnectReason, [code: number, reason: string]>> = {
  shutdown: [1001, 'server shutting down'],
  too_slow: [1008, 'too slow: output backlog over the limit'],
  flooding: [1008, 'flooding'],
  protocol: [1002, 'protocol error'],
};

/**
 * One WebSocket carrying a Cap'n Web session, and the members it joined (one through the
 * original `join`, more through `connect`). When the socket closes, or capnweb reports the
 * session broken, every member leaves; `member.leave` is idempotent, so that is once each.
 */
export class RpcConnection implements SessionHost, TransportOwner, Pingable {
  readonly members = new Set<RpcMemberSession>();
  /** The member joined through the original `join(username, callback)`. */
  originalApiMember: RpcMemberSession | undefined;
  /** An original-API join is in progress (refuses a second one racing it). */
  originalApiJoining = false;
  /** A pong came since the last heartbeat ping. */
  alive = true;
  closed = false;
  /** Why the members leave when the socket closes (set when we end it for a reason). */
  private leaveReason: DisconnectReason = 'closed';
  /** Calls started by the message capnweb is evaluating now. */
  private callsThisMessage = 0;
  /** Joins reach every member, like messages: the room's rate, per connection. */
  private readonly joins: TokenBucket;
  /** Gate slots held by members past the first, released when that member goes. */
  private readonly extraSlots = new Map<RpcMemberSession, () => void>();

  constructor(
    readonly socket: WebSocket,
    readonly room: Room,
    readonly log: Logger,
    private readonly options: ConnectionOptions,
    private readonly release: () => void,
    /** Connections without a member, closed when their time is up (core's name deadline). */
    private readonly joinDeadlines: DeadlineQueue<RpcConnection> | null,
    private readonly admitMember: AdmitMember = () => ({ ok: true, release: () => {} }),
  ) {
    joinDeadlines?.add(this);
    this.joins = new TokenBucket(room.limits.rateBurst, room.limits.ratePerSecond);
  }

  /**
   * Every RPC method calls this first. capnweb evaluates a message's nested calls (calls in
   * arguments) all at once, so one small message could otherwise start thousands.
   */
  startCall(): void {
    if (++this.callsThisMessage > this.options.maxCallsPerMessage) {
      throw new RpcError(
        'bad_request',
        `At most ${this.options.maxCallsPerMessage} calls in one RPC message`,
      );
    }
  }

  messageReceived(): void {
    this.callsThisMessage = 0;
  }

  tooSlow(buffered: number): void {
    this.log.warn({ buffered }, 'disconnecting a slow consumer (unread RPC replies)');
    this.room.countDrop('too_slow');
    this.drop('too_slow');
  }

  get bufferedAmount(): number {
    return this.socket.bufferedAmount;
  }

  get epoch(): string {
    return this.room.position.epoch;
  }

  private async checkToken(tokens: TokenVerifier, name: string, token: unknown): Promise<void> {
    if (token !== undefined && typeof token !== 'string') {
      throw new RpcError('bad_request', 'The token must be a string');
    }
    try {
      await tokens.verifyName(token, name);
    } catch (err) {
      this.options.authRefused();
      throw toRpcError(err, this.log, name);
    }
  }

  /** Adds a member named `name` whose events go to `callback.onMessage`. Rejects RpcError. */
  async join(
    name: unknown,
    callback: unknown,
    token?: unknown,
    resume?: ResumeRequest,
  ): Promise<RpcMemberSession> {
    if (typeof name !== 'string') throw new RpcError('bad_request', 'The name must be a string');
    if (!(callback instanceof RpcStub)) {
      throw new RpcError(
        'bad_request',
        'The callback must be an RpcTarget (or stub) with an onMessage(message) method',
      );
    }
    if (this.closed) throw new RpcError('closed', 'The connection is closed');
    if (this.options.tokens !== null) await this.checkToken(this.options.tokens, name, token);
    if (this.closed) throw new RpcError('closed', 'The connection is closed');
    if (this.members.size >= this.options.maxMembersPerConnection) {
      throw new RpcError(
        'bad_request',
        `At most ${this.options.maxMembersPerConnection} members per connection`,
      );
    }
    if (!this.joins.take()) {
      this.room.countDrop('rate_limited');
      throw new RpcError('rate_limited', 'You are joining too fast; try again shortly');
    }
    let releaseSlot: (() => void) | undefined;
    if (this.members.size > 0) {
      const slot = this.admitMember();
      if (!slot.ok) throw new RpcError('bad_request', slot.reason);
      releaseSlot = slot.release;
    }
    // capnweb disposes stubs passed as parameters when the call returns: keep our own.
    const stub = (callback as RpcStub<ChatCallback>).dup();
    const session = new RpcMemberSession(this, stub, this.options);
    this.members.add(session);
    this.joinDeadlines?.delete(this);
    if (releaseSlot !== undefined) this.extraSlots.set(session, releaseSlot);
    try {
      const options: JoinOptions = { name, log: this.log };
      if (resume?.token !== undefined) options.resumeToken = resume.token;
      if (resume?.since !== undefined) options.since = resume.since;
      session.member = await this.room.join(session, options);
    } catch (err) {
      this.forget(session);
      session.end();
      throw toRpcError(err, this.log, name);
    }
    const member = session.member;
    if (this.closed || session.isEnded) {
      this.forget(session);
      session.end();
      await member.leave('closed');
      throw new RpcError('closed', `The connection closed while joining as '${quote(name)}'`);
    }
    stub.onRpcBroken(() => {
      this.leave(session, 'closed').catch((err) => {
        this.log.error({ err }, 'leaving a broken session failed');
      });
    });
    return session;
  }

  /** Ends one member: no more deliveries, callback released, leave announced once. */
  async leave(session: RpcMemberSession, reason: DisconnectReason): Promise<void> {
    this.forget(session);
    session.end();
    await session.member?.leave(reason);
  }

  memberClosed(session: RpcMemberSession, reason: DisconnectReason): void {
    this.forget(session);
    const close = CONNECTION_CLOSES[reason];
    if (close !== undefined) this.close(close[0], close[1]);
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    try {
      this.socket.close(code, reason);
    } catch (err) {
      this.log.debug({ err }, 'closing the socket failed');
      this.socket.terminate();
    }
  }

  /** Ends the socket at once (a dead peer, a slow reader): its members leave with `reason`. */
  drop(reason: DisconnectReason): void {
    this.leaveReason = reason;
    // Leave now, before capnweb reports the broken session as a plain close.
    for (const session of Array.from(this.members)) {
      this.leave(session, reason).catch((err) => {
        this.log.error({ err }, 'leaving on drop failed');
      });
    }
    this.socket.terminate();
  }

  /** Heartbeat tick: drop a peer that did not answer the last ping, else ping again. */
  beat(): void {
    if (this.closed) return;
    if (!this.alive) {
      this.log.info({}, 'no answer to ping; dropping the connection');
      this.drop('timeout');
      return;
    }
    this.ping();
  }

  /** The join deadline ran out with no member on this connection. */
  joinTimedOut(): void {
    if (this.closed || this.members.size > 0) return;
    this.log.info({}, 'closing a connection that joined no one');
    this.close(CLOSE_POLICY, 'join timeout');
  }

  /** Sends a heartbeat ping; the pong sets `alive` again. */
  ping(): void {
    this.alive = false;
    try {
      this.socket.ping();
    } catch (err) {
      this.log.debug({ err }, 'ping failed');
    }
  }

  /** The socket is gone: every member leaves, the gate slot is released. */
  onSocketClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.joinDeadlines?.delete(this);
    this.release();
    for (const session of Array.from(this.members)) {
      this.leave(session, this.leaveReason).catch((err) => {
        this.log.error({ err }, 'leaving on close failed');
      });
    }
    this.originalApiMember = undefined;
  }

  private forget(session: RpcMemberSession): void {
    this.members.delete(session);
    const releaseSlot = this.extraSlots.get(session);
    if (releaseSlot !== undefined) {
      this.extraSlots.delete(session);
      releaseSlot();
    }
    if (this.originalApiMember === session) this.originalApiMember = undefined;
    if (this.members.size === 0 && !this.closed) this.joinDeadlines?.add(this);
  }
}
