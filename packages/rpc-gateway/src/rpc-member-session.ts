import type { DisconnectReason, Member, ResumeOutcome, RoomEvent, Session } from '@chatgate/core';
import type { ChatCallback } from '@chatgate/rpc-client';
import type { RpcStub } from 'capnweb';
import { CallbackChannel, type PendingCall } from './callback-channel.js';
import { type RpcFrame, resumedFrame, rpcDialect } from './rpc-dialect.js';

/** The connection a member lives on, as its session needs it. */
export interface SessionHost {
  /** Bytes the socket has not sent yet. */
  readonly bufferedAmount: number;
  /** The room's current epoch (docs/protocols.md, "Resume"). */
  readonly epoch: string;
  /** The server ends a member: some reasons end the whole connection. */
  memberClosed(session: RpcMemberSession, reason: DisconnectReason): void;
}

export interface CallbackOptions {
  callbackTimeoutMs: number;
  epochMs: number;
}

/**
 * One RPC member: room events become `callback.onMessage(message)` calls. The callback stub
 * is a `dup()` this session owns, disposed when the member ends. A callback that rejects
 * (throws, or its connection broke) disconnects this member with `error`; one that stops
 * answering is found by the gateway's sweep (`expired`) and disconnected with `timeout`.
 */
export class RpcMemberSession implements Session<RpcFrame> {
  readonly dialect = rpcDialect;
  /** Set once the room has delivered this member's own join. */
  member: Member | undefined;
  /** The `seq` of this member's own join (the answer to join/connect carries it). */
  joinSeq = 0;
  private readonly channel: CallbackChannel;
  private ended = false;

  constructor(
    private readonly host: SessionHost,
    private readonly callback: RpcStub<ChatCallback>,
    options: CallbackOptions,
  ) {
    this.channel = new CallbackChannel(
      (message) => callback.onMessage(message) as unknown as PendingCall,
      this.onCallbackFailed,
      { timeoutMs: options.callbackTimeoutMs, epochMs: options.epochMs },
    );
  }

  get bufferedBytes(): number {
    return this.host.bufferedAmount + this.channel.pendingBytes;
  }

  get pendingCalls(): number {
    return this.channel.pendingCalls;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  deliver(event: RoomEvent, frame: RpcFrame | null, self: Member): void {
    if (frame === null || this.ended) return;
    if (event.kind === 'join' && event.memberId === self.id) {
      // Your own join is the answer to join()/connect()/joinRoom(), not a notice (as in the original).
      if (self.owner !== undefined) return;
      this.member = self;
      this.joinSeq = event.seq;
      return;
    }
    this.channel.send(frame);
  }

  /** After the missed events of a resumed join (docs/protocols.md, "Resume"). */
  resumed(outcome: ResumeOutcome, _self: Member): void {
    if (this.ended) return;
    this.channel.send(resumedFrame(outcome, this.host.epoch, this.joinSeq));
  }

  close(reason: DisconnectReason): void {
    if (this.ended) return;
    this.end();
    this.host.memberClosed(this, reason);
  }

  /** True when a callback call has waited longer than the timeout. */
  expired(now: number): boolean {
    return !this.ended && this.channel.expired(now);
  }

  /** Stops deliveries and releases the callback. Idempotent; the member's leave is separate. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.channel.close();
    try {
      this.callback[Symbol.dispose]();
    } catch {
      // A stub whose connection is already gone has nothing left to release.
    }
  }

  private readonly onCallbackFailed = (error: unknown): void => {
    const member = this.member;
    if (member === undefined || this.ended) return;
    member.log.warn({ err: error }, 'callback failed; dropping the member');
    void member.disconnect('error');
  };
}
