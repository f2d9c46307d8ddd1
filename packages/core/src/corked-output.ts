import {
  atTurnEnd,
  type CorkableSocket,
  corkForTurn,
  type TurnEnd,
  writeAtTurnEnd,
} from './cork-for-turn.js';
import { type DeferredWriter, schedulePresenceFlush } from './presence-flush.js';

/** The byte stream under a connection (a net.Socket, or the one under a WebSocket). */
export interface OutputSocket extends CorkableSocket {
  /** Bytes written and not yet taken by the kernel, corked ones included. */
  readonly writableLength: number;
  write(chunk: Uint8Array): boolean;
}

/** The session that owns a CorkedOutput: it renders frames, and says whether it still can. */
export interface FrameSink<F> {
  /** True while frames may still be written (not closing, socket open). */
  canWrite(): boolean;
  /** The bytes `frame` puts on the wire, or null when only writeFrame can send it now. */
  bytesOf(frame: F): Uint8Array | null;
  /** Writes one frame to the socket now (it is corked by then). Must not throw. */
  writeFrame(frame: F): void;
}

/** Held bytes up to this size go out as one joined buffer; more are written chunk by chunk. */
const JOIN_MAX_BYTES = 64 * 1024;

// Node's pooled allocation where there is one (small sizes are slices of a shared slab).
const allocBytes: (size: number) => Uint8Array =
  typeof Buffer === 'function'
    ? (size) => Buffer.allocUnsafe(size)
    : (size) => new Uint8Array(size);

function joinBytes(first: Uint8Array, rest: readonly Uint8Array[], total: number): Uint8Array {
  const joined = allocBytes(total);
  joined.set(first, 0);
  let offset = first.length;
  for (const chunk of rest) {
    joined.set(chunk, offset);
    offset += chunk.length;
  }
  return joined;
}

/**
 * A connection's output glue, shared by every transport that writes to a socket:
 *
 * - the frames of one event-loop turn are held and leave in one write of one buffer when the
 *   turn ends: a broadcast of many events costs one syscall per recipient per turn, and Node's
 *   stream machinery sees one chunk instead of one per frame (docs/architecture.md);
 * - anything written by another path (replies sent by ws, close frames) calls `prepare()`
 *   first, which writes the held frames ahead of it and corks the socket for the turn;
 * - others' joins and leaves wait for the process-wide presence flush (schedulePresenceFlush)
 *   and go out before anything written after them, so `seq` order holds;
 * - `bufferedBytes` is what the room checks against its maxBufferedBytes.
 *
 * One small object per connection and no closures: the session passes itself as the sink.
 */
export class CorkedOutput<F> implements DeferredWriter, TurnEnd {
  /** Unsent bytes when this turn's cork began (see bufferedBytes). */
  private bytesAtCork = 0;
  /** Others' joins and leaves waiting for the presence flush, in seq order. */
  private deferred: F[] | undefined;
  /**
   * This turn's frames, in write order, until the turn ends (or prepare() sends them): the
   * first, then the rest. Most turns hold one frame, which needs no array; a used array is
   * dropped rather than emptied (V8 sets an array's length through a runtime call).
   */
  private heldFirst: Uint8Array | undefined;
  private heldRest: Uint8Array[] | undefined;
  private heldBytes = 0;
  /** Waiting for this turn's end. */
  private inTurn = false;

  constructor(
    private readonly socket: OutputSocket,
    private readonly sink: FrameSink<F>,
  ) {}

  /**
   * Bytes the client has not taken yet. Held frames are not counted (nor, while the socket is
   * corked, anything written since): a burst is not a slow client, and nothing drains before
   * the write anyway. A client that does not read is caught once that write is made, so memory
   * stays within the limit plus one write's output (a turn and the polls after it).
   */
  get bufferedBytes(): number {
    const socket = this.socket;
    return socket.writableCorked > 0 ? this.bytesAtCork : socket.writableLength;
  }

  /** Frames held for the presence flush. */
  get deferredCount(): number {
    return this.deferred?.length ?? 0;
  }

  /**
   * Call before writing anything to the socket by another path (replies, close frames): writes
   * the held presence and this turn's frames first, as they are older, into a socket corked
   * until the turn ends.
   */
  prepare(): void {
    this.corkUntilTurnEnd();
    if (this.deferred !== undefined) this.holdDeferred();
    this.writeHeld(false);
  }

  /** Sends `frame` after anything held, with the rest of this turn's output. */
  write(frame: F): void {
    if (this.deferred !== undefined) this.holdDeferred();
    this.hold(frame);
  }

  /** Holds someone else's join or leave for the next presence flush. */
  defer(frame: F): void {
    if (this.deferred === undefined) {
      this.deferred = [frame];
      schedulePresenceFlush(this);
    } else {
      this.deferred.push(frame);
    }
  }

  /** Writes held presence and frames now (the presence flush, or a session about to close). */
  flushDeferred(): void {
    if (this.deferred === undefined && this.heldFirst === undefined) return;
    if (!this.sink.canWrite()) {
      this.deferred = undefined;
      this.dropHeld();
      return;
    }
    this.prepare();
  }

  /** @internal The turn ended: this turn's frames go out in one write, in the write pass. */
  endTurn(): void {
    this.inTurn = false;
    this.writeHeld(true);
  }

  private hold(frame: F): void {
    const bytes = this.sink.bytesOf(frame);
    if (bytes === null) {
      this.prepare();
      this.sink.writeFrame(frame);
      return;
    }
    if (this.heldFirst === undefined) this.heldFirst = bytes;
    else if (this.heldRest === undefined) this.heldRest = [bytes];
    else this.heldRest.push(bytes);
    this.heldBytes += bytes.length;
    if (!this.inTurn) {
      this.inTurn = true;
      atTurnEnd(this);
    }
  }

  private holdDeferred(): void {
    const frames = this.deferred!;
    this.deferred = undefined;
    for (const frame of frames) this.hold(frame);
  }

  /** Writes the held frames now, or (`inWritePass`) hands them to the turn end's write pass. */
  private writeHeld(inWritePass: boolean): void {
    const first = this.heldFirst;
    if (first === undefined) return;
    const rest = this.heldRest;
    const total = this.heldBytes;
    this.dropHeld();
    // A socket that closed meanwhile loses them, as it would have lost corked bytes.
    if (total === 0 || !this.sink.canWrite()) return;
    if (rest === undefined) this.send(first, inWritePass);
    else if (total <= JOIN_MAX_BYTES) this.send(joinBytes(first, rest, total), inWritePass);
    else {
      this.corkUntilTurnEnd();
      this.send(first, inWritePass);
      for (const chunk of rest) this.send(chunk, inWritePass);
    }
  }

  private send(bytes: Uint8Array, inWritePass: boolean): void {
    if (inWritePass) writeAtTurnEnd(this.socket, bytes);
    else this.socket.write(bytes);
  }

  /** Corks the socket until the turn ends, remembering the backlog from before (bufferedBytes). */
  private corkUntilTurnEnd(): void {
    const socket = this.socket;
    if (socket.writableCorked !== 0) return;
    this.bytesAtCork = socket.writableLength;
    corkForTurn(socket);
  }

  private dropHeld(): void {
    this.heldFirst = undefined;
    this.heldRest = undefined;
    this.heldBytes = 0;
  }
}
