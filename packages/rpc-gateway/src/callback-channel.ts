import type { ChatMessage } from '@chatgate/rpc-client';
import type { RpcFrame } from './rpc-dialect.js';

/** What calling a remote `onMessage` returns: capnweb's RpcPromise is both of these. */
export type PendingCall = PromiseLike<unknown> & Disposable;

export interface CallbackChannelOptions {
  /** The oldest unanswered call may wait this long; then `expired()` is true. */
  timeoutMs: number;
  /** An epoch older than this takes no new calls, so it drains and its promises are freed. */
  epochMs: number;
  now?: () => number;
}

/**
 * Delivers frames to one member's remote callback and watches the answers, without a timer
 * or a closure per call.
 *
 * Calls go out at once in "epochs": every call of an epoch is kept until all of them have
 * answered, then they are disposed together (capnweb keeps a call's import until its promise
 * is disposed) and the next epoch starts. An epoch older than `epochMs` takes no new calls;
 * those wait in order and go out when it drains. So a healthy callback drains at least every
 * `epochMs` plus a round trip, and one that never answers leaves its epoch unsettled, which
 * `expired()` reports after `timeoutMs`. A call that rejects (the callback threw, or the
 * connection broke) reports `onFailure` once. Order is kept: calls go out in `send` order.
 */
export class CallbackChannel {
  private readonly inFlight: PendingCall[] = [];
  /** Estimated size of each call in `inFlight`, same order. */
  private readonly inFlightSizes: number[] = [];
  private settled = 0;
  private epochStartedAt = 0;
  private inFlightBytes = 0;
  /** Bytes of the answered calls of this epoch (counted oldest first: answers mostly come in order). */
  private answeredBytes = 0;
  private held: RpcFrame[] = [];
  private heldBytes = 0;
  private closed = false;
  private failed = false;
  private readonly now: () => number;

  constructor(
    private readonly invoke: (message: Readonly<ChatMessage>) => PendingCall,
    private readonly onFailure: (error: unknown) => void,
    private readonly options: CallbackChannelOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Estimated bytes not yet answered: unanswered calls plus calls waiting for the next epoch. */
  get pendingBytes(): number {
    return this.inFlightBytes - this.answeredBytes + this.heldBytes;
  }

  /** Calls sent and not answered, plus calls waiting to be sent. */
  get pendingCalls(): number {
    return this.inFlight.length - this.settled + this.held.length;
  }

  send(frame: RpcFrame): void {
    if (this.closed) return;
    if (this.inFlight.length === 0) {
      this.epochStartedAt = this.now();
    } else if (this.held.length > 0 || this.now() - this.epochStartedAt >= this.options.epochMs) {
      this.held.push(frame);
      this.heldBytes += frame.bytes;
      return;
    }
    this.issue(frame);
  }

  /** True once a call has gone unanswered for longer than `timeoutMs`. */
  expired(now: number = this.now()): boolean {
    return (
      this.settled < this.inFlight.length && now - this.epochStartedAt > this.options.timeoutMs
    );
  }

  /** Cancels unanswered calls and drops waiting ones. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.disposeEpoch();
    this.held = [];
    this.heldBytes = 0;
  }

  private issue(frame: RpcFrame): void {
    let call: PendingCall;
    try {
      call = this.invoke(frame.message);
    } catch (err) {
      this.fail(err);
      return;
    }
    this.inFlight.push(call);
    this.inFlightSizes.push(frame.bytes);
    this.inFlightBytes += frame.bytes;
    call.then(this.onAnswered, this.onRejected);
  }

  private readonly onAnswered = (): void => {
    if (this.closed) return;
    this.answeredBytes += this.inFlightSizes[this.settled] ?? 0;
    if (++this.settled < this.inFlight.length) return;
    this.disposeEpoch();
    this.flushHeld();
  };

  private readonly onRejected = (error: unknown): void => {
    if (this.closed) return;
    this.fail(error);
  };

  private fail(error: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.onFailure(error);
  }

  private disposeEpoch(): void {
    for (const call of this.inFlight) {
      try {
        call[Symbol.dispose]();
      } catch {
        // Disposing a call whose connection is gone may throw; nothing is left to free.
      }
    }
    this.inFlight.length = 0;
    this.inFlightSizes.length = 0;
    this.settled = 0;
    this.inFlightBytes = 0;
    this.answeredBytes = 0;
  }

  private flushHeld(): void {
    if (this.held.length === 0) return;
    const frames = this.held;
    this.held = [];
    this.heldBytes = 0;
    this.epochStartedAt = this.now();
    for (let i = 0; i < frames.length && !this.closed; i++) this.issue(frames[i]!);
  }
}
