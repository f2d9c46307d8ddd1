import type { RpcTransport } from 'capnweb';
import type { RawData, WebSocket } from 'ws';

/** What the transport bounds; each field caps one cost a remote peer can make us pay. */
export interface SocketTransportLimits {
  /** Largest incoming message, in UTF-16 code units; larger closes with 1009. */
  maxMessageSize: number;
  /**
   * Calls a session may have in flight or answered but not yet released (capnweb's export
   * table, minus the main object). Past it the session is closed with 1008.
   */
  maxCallsInFlight: number;
  /** Unsent output, in bytes (replies included), past which the peer is dropped as too slow. */
  maxBufferedBytes: number;
}

/** How the transport reaches its connection when a bound is crossed. */
export interface TransportOwner {
  /** Output passed `maxBufferedBytes`: end the socket now; members leave `too_slow`. */
  tooSlow(buffered: number): void;
  /** Closes the socket with a code and reason (the session is over). */
  close(code: number, reason: string): void;
  /** A message arrived: the per-message call count starts again. */
  messageReceived(): void;
}

/** The part of capnweb's RpcSession the transport reads. */
export interface SessionStats {
  getStats(): { imports: number; exports: number };
}

export const CLOSE_TOO_BIG = 1009;
export const CLOSE_POLICY = 1008;
export const CLOSE_UNSUPPORTED = 1003;

/** Message kinds that add an entry to the receiver's export table (see capnweb's protocol). */
const EXPORTING = /^\s*\[\s*"(?:push|stream|pipe)"/;

/**
 * capnweb's RpcTransport over a `ws` socket, with the bounds capnweb's own WebSocket
 * transport lacks: every reply counts toward the slow-consumer limit, calls held by the
 * session are capped, and an over-size message closes with 1009 before it is parsed.
 *
 * Counting the export table walks it, so it is done only when the pushes since the last
 * count could have reached the cap: a legitimate session with few calls pays almost nothing.
 */
export class SocketTransport implements RpcTransport {
  private readonly queue: string[] = [];
  /** Messages in `queue` that will add an export once capnweb reads them. */
  private queuedExporting = 0;
  private readonly queueFlags: boolean[] = [];
  private waiting: { resolve: (m: string) => void; reject: (e: Error) => void } | undefined;
  private failure: Error | undefined;
  private session: SessionStats | undefined;
  /** Exports at the last count, plus pushes received since. An upper bound. */
  private exportsAtMost = 1;

  constructor(
    private readonly socket: WebSocket,
    private readonly owner: TransportOwner,
    private readonly limits: SocketTransportLimits,
  ) {
    socket.on('message', (data: RawData, isBinary: boolean) => this.onMessage(data, isBinary));
    socket.on('close', () => this.fail(new Error('The WebSocket closed')));
  }

  /** The session this transport carries; its export table is what the call cap counts. */
  attach(session: SessionStats): void {
    this.session = session;
  }

  send(message: string): void {
    if (this.failure !== undefined) throw this.failure;
    this.socket.send(message);
    const buffered = this.socket.bufferedAmount;
    if (buffered > this.limits.maxBufferedBytes) {
      this.fail(new Error('too slow: output backlog over the limit'));
      this.owner.tooSlow(buffered);
    }
  }

  receive(): Promise<string> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const next = this.queue.shift();
    if (next !== undefined) {
      if (this.queueFlags.shift() === true) this.queuedExporting--;
      return Promise.resolve(this.admit(next));
    }
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }

  abort(_reason: unknown): void {
    this.fail(new Error('RPC session aborted'));
    this.owner.close(CLOSE_POLICY, 'RPC session aborted');
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    if (this.failure !== undefined) return;
    if (isBinary) {
      this.refuse(CLOSE_UNSUPPORTED, 'RPC messages are text frames');
      return;
    }
    const message = rawToString(data);
    if (message.length > this.limits.maxMessageSize) {
      this.refuse(CLOSE_TOO_BIG, `RPC message over ${this.limits.maxMessageSize} characters`);
      return;
    }
    const exporting = EXPORTING.test(message);
    if (exporting && !this.roomForCall()) {
      this.refuse(CLOSE_POLICY, `more than ${this.limits.maxCallsInFlight} RPC calls in flight`);
      return;
    }
    const waiting = this.waiting;
    if (waiting !== undefined) {
      this.waiting = undefined;
      waiting.resolve(this.admit(message));
    } else {
      this.queue.push(message);
      this.queueFlags.push(exporting);
      if (exporting) this.queuedExporting++;
    }
  }

  /** Handing a message to capnweb: the calls it starts count as this message's. */
  private admit(message: string): string {
    this.owner.messageReceived();
    return message;
  }

  /** True when one more export fits under the cap (the main object does not count). */
  private roomForCall(): boolean {
    const cap = this.limits.maxCallsInFlight + 1;
    if (this.exportsAtMost >= cap && this.session !== undefined) {
      this.exportsAtMost = this.session.getStats().exports + this.queuedExporting;
    }
    if (this.exportsAtMost >= cap) return false;
    this.exportsAtMost++;
    return true;
  }

  private refuse(code: number, reason: string): void {
    this.fail(new Error(reason));
    this.owner.close(code, reason);
  }

  private fail(error: Error): void {
    if (this.failure !== undefined) return;
    this.failure = error;
    this.queue.length = 0;
    this.queueFlags.length = 0;
    this.queuedExporting = 0;
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.reject(error);
  }
}

function rawToString(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
