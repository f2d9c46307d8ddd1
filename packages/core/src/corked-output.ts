import { type CorkableSocket, corkForTurn } from './cork-for-turn.js';
import { type DeferredWriter, schedulePresenceFlush } from './presence-flush.js';

/** The byte stream under a connection (a net.Socket, or the one under a WebSocket). */
export interface OutputSocket extends CorkableSocket {
  /** Bytes written and not yet taken by the kernel, corked ones included. */
  readonly writableLength: number;
}

/** The session that owns a CorkedOutput: it writes one frame, and says whether it still can. */
export interface FrameSink<F> {
  /** True while frames may still be written (not closing, socket open). */
  canWrite(): boolean;
  /** Writes one frame to the socket now (it is corked by then). Must not throw. */
  writeFrame(frame: F): void;
}

/**
 * A connection's output glue, shared by every transport that writes to a socket:
 *
 * - every write of a turn is corked into one writev at the end of the turn (corkForTurn);
 * - others' joins and leaves wait for the process-wide presence flush (schedulePresenceFlush)
 *   and go out before anything written after them, so `seq` order holds;
 * - `bufferedBytes` is what the room checks against its maxBufferedBytes.
 *
 * One small object per connection and no closures: the session passes itself as the sink.
 */
export class CorkedOutput<F> implements DeferredWriter {
  /** Unsent bytes when this turn's cork began (see bufferedBytes). */
  private bytesAtCork = 0;
  /** Others' joins and leaves waiting for the presence flush, in seq order. */
  private deferred: F[] | undefined;

  constructor(
    private readonly socket: OutputSocket,
    private readonly sink: FrameSink<F>,
  ) {}

  /**
   * Bytes the client has not taken yet. While this turn's writes are corked it is the count
   * from before the turn: a burst written in one turn is not a slow client, and nothing drains
   * mid-turn anyway. A client that does not read is caught on its next turn, so memory stays
   * within the limit plus one turn's output.
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
   * Call before writing anything to the socket, by any path (frames, replies, close frames):
   * corks the socket for this turn and writes the held presence first, as it is older.
   */
  prepare(): void {
    const socket = this.socket;
    if (socket.writableCorked === 0) {
      this.bytesAtCork = socket.writableLength;
      corkForTurn(socket);
    }
    if (this.deferred !== undefined) this.writeDeferred();
  }

  /** Writes `frame` after anything held, in this turn's writev. */
  write(frame: F): void {
    this.prepare();
    this.sink.writeFrame(frame);
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

  /** Writes held presence now (the presence flush, or a session about to close). */
  flushDeferred(): void {
    if (this.deferred === undefined) return;
    if (!this.sink.canWrite()) {
      this.deferred = undefined;
      return;
    }
    this.prepare();
  }

  private writeDeferred(): void {
    const frames = this.deferred!;
    this.deferred = undefined;
    for (const frame of frames) this.sink.writeFrame(frame);
  }
}
