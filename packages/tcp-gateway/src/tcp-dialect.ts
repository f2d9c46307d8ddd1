import type {
  ChatError,
  Dialect,
  DisconnectReason,
  Member,
  PlainTextPolicy,
  PresenceEvent,
  Reply,
  RoomEvent,
} from '@chatgate/core';
import type { BytesRun } from './bytes-run.js';

/** One unit of client input, as a dialect's decoder understands it. */
export type Input =
  /** A line (line dialect) or a chunk (at dialect): a name while one is awaited, else input. */
  | { kind: 'text'; text: string }
  /** A message that carries its sender's name (peer dialect): the first one names the member. */
  | { kind: 'message'; sender: string; text: string }
  /** The client says goodbye: leave with `quit` and close. */
  | { kind: 'leave' }
  /** This input was refused (e.g. an over-long line); tell the client, the connection goes on. */
  | { kind: 'refused'; error: ChatError }
  /** Unrecoverable framing or format error: close with `protocol`. */
  | { kind: 'malformed'; detail: string };

/**
 * Bytes in, inputs out, pulled one at a time: the session stops pulling (and pauses the
 * socket) while a join is in flight, and the rest of a chunk waits in the decoder. Must never
 * throw on any byte sequence; memory held must be bounded.
 */
export interface InputDecoder {
  /** Bytes pushed and not yet returned as inputs (lets the session bound the input it holds). */
  readonly pendingBytes: number;
  push(chunk: Buffer): void;
  /** The next input, or undefined when more bytes are needed. */
  next(): Input | undefined;
}

export interface DecoderOptions {
  /** Longest line accepted by line-framed dialects, in bytes. */
  maxLineBytes: number;
}

/**
 * A raw TCP client style: a codec plus its session policy. The listener and TcpSession do
 * the rest (caps, timeouts, keepalive, slow consumers, leave exactly once), so a new style
 * is one file implementing this.
 *
 * As a core `Dialect`, `encode` runs once per event for every member of this dialect and
 * must not depend on the recipient; `render` then picks per recipient (no echo, greetings,
 * private views), returning the shared frame whenever it can.
 */
export interface TcpDialect extends Dialect<Buffer, BytesRun> {
  readonly name: string;
  /** `auto`: join at connect as `userN`. `first-input`: the first input names the member. */
  readonly naming: 'auto' | 'first-input';
  /** Whether its clients may use rooms (`/join`…); false keeps them in the default room. */
  readonly rooms: boolean;
  /**
   * Marks output from a room other than the member's current one (line: `[#room] ` before
   * each line). Required when `rooms` is true.
   */
  fromRoom?(room: string, bytes: Buffer): Buffer;
  /** What plain text means to core (`require_at` for the at dialect). */
  readonly plainText: PlainTextPolicy;
  /**
   * Batch writes per event-loop turn (cork, uncork on setImmediate). Off for dialects whose
   * clients treat each read as one message.
   */
  readonly coalesce: boolean;
  /**
   * Optional presence coalescing (core's Dialect.encodePresence): the run's frames exactly as
   * `render` would give them to a member who is not in them, back to back.
   */
  encodePresence?(events: ReadonlyArray<PresenceEvent>, roomSize: number): BytesRun;
  createDecoder(options: DecoderOptions): InputDecoder;
  /** What `self` sees for `event`; `frame` is `encode(event)`, shared by all recipients. */
  render(event: RoomEvent, frame: Buffer | null, self: Member): Buffer | null;
  /** The answer to the member's own command (`/users`, `@people`, `/help`…). */
  renderReply(reply: Reply, self: Member): Buffer | null;
  /** A refused input or a refused name (then the connection closes). */
  renderError(error: ChatError): Buffer | null;
  /** Last words before the server closes the connection for `reason`. */
  farewell(reason: DisconnectReason): Buffer | null;
  /** Sent when the connection caps refuse a connection, before closing it. */
  refuseConnection(reason: string): Buffer | null;
  /**
   * Dialects whose users can type `/login TOKEN` (line): the greeting of a connection that
   * must log in before it joins. Absent: the dialect cannot carry a token.
   */
  loginPrompt?(): Buffer;
}
