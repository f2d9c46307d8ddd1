import type { CorkableSocket } from '@chatgate/core/transport';
import type { WebSocket } from 'ws';
import * as wsModule from 'ws';

/**
 * One server-to-client text message, serialised and (when ws allows) framed once, so a
 * broadcast costs one `socket.write` per recipient instead of one JSON.stringify + framing each.
 * This file is the only place that touches ws internals; everything degrades to `ws.send`.
 */
export interface PreparedFrame {
  /** UTF-8 JSON payload (what the client receives as the message text). */
  readonly payload: Buffer;
  /** Payload with its WebSocket header (FIN, opcode text, unmasked), or null when unsupported. */
  readonly framed: Buffer | null;
}

interface FrameOptions {
  fin: boolean;
  opcode: number;
  mask: boolean;
  readOnly: boolean;
  rsv1: boolean;
}

type FrameFn = (data: Buffer, options: FrameOptions) => Buffer[];

/** The parts of ws's Sender we rely on (ws 8); checked at runtime, never assumed. */
interface SenderInternals {
  sendFrame?: unknown;
  _state?: unknown;
  _queue?: unknown;
}

interface WebSocketInternals {
  _sender?: SenderInternals;
  _extensions?: Record<string, unknown>;
  _socket?: unknown;
}

/** The transport socket under a WebSocket, as far as writing pre-framed bytes to it goes. */
export interface WireSocket extends CorkableSocket {
  write(chunk: Buffer): boolean;
  /** Bytes written but not yet handed to the kernel (corked ones included). */
  readonly writableLength: number;
}

const OPCODE_TEXT = 0x01;
/** ws Sender's idle state: nothing being deflated or read from a Blob, so writes go straight out. */
const SENDER_IDLE = 0;

const senderClass = (wsModule as unknown as { Sender?: { frame?: unknown } }).Sender;
const frameFn: FrameFn | null =
  typeof senderClass?.frame === 'function' ? (senderClass.frame as FrameFn) : null;

/** True when this ws build exposes `Sender.frame`, i.e. broadcasts are framed once. */
export const preframingAvailable = frameFn !== null;

/** Serialises a message once; frames it once when ws supports it. */
export function prepareFrame(json: string): PreparedFrame {
  const payload = Buffer.from(json, 'utf8');
  if (frameFn === null) return { payload, framed: null };
  try {
    const parts = frameFn(payload, {
      fin: true,
      opcode: OPCODE_TEXT,
      mask: false,
      readOnly: false,
      rsv1: false,
    });
    return { payload, framed: parts.length === 1 ? parts[0]! : Buffer.concat(parts) };
  } catch {
    return { payload, framed: null };
  }
}

/**
 * Sends a prepared frame on an open socket. Uses the pre-built bytes only when the socket's
 * sender is idle and uncompressed (as engine.io's `_canSendPreEncodedFrame`), so ordering with
 * ordinary `ws.send` calls is kept; otherwise falls back to `ws.send` of the payload.
 */
export function sendPrepared(ws: WebSocket, frame: PreparedFrame): void {
  const framed = frame.framed;
  if (framed !== null) {
    const internals = ws as unknown as WebSocketInternals;
    const sender = internals._sender;
    if (
      sender !== undefined &&
      typeof sender.sendFrame === 'function' &&
      sender._state === SENDER_IDLE &&
      Array.isArray(sender._queue) &&
      sender._queue.length === 0 &&
      internals._extensions?.['permessage-deflate'] === undefined
    ) {
      (sender.sendFrame as (list: Buffer[]) => void).call(sender, [framed]);
      return;
    }
  }
  ws.send(frame.payload, { binary: false });
}

/**
 * The net.Socket under `ws` when frames may be written to it directly: this ws build keeps it
 * in `_socket`, has an idle-checkable Sender, frames with `Sender.frame`, and no
 * permessage-deflate was negotiated (compressed frames go through ws's async queue). Decided
 * once per connection; null means "use ws.send" (`sendPrepared`), uncorked as before.
 */
export function wireSocketOf(ws: WebSocket): WireSocket | null {
  if (frameFn === null) return null;
  const internals = ws as unknown as WebSocketInternals;
  const sender = internals._sender;
  const socket = internals._socket as Partial<WireSocket> | null | undefined;
  if (
    sender === undefined ||
    typeof sender.sendFrame !== 'function' ||
    typeof sender._state !== 'number' ||
    internals._extensions?.['permessage-deflate'] !== undefined ||
    socket === null ||
    typeof socket !== 'object' ||
    typeof socket.write !== 'function' ||
    typeof socket.cork !== 'function' ||
    typeof socket.uncork !== 'function' ||
    typeof socket.writableCorked !== 'number' ||
    typeof socket.writableLength !== 'number'
  ) {
    return null;
  }
  return socket as WireSocket;
}

/**
 * The bytes a prepared frame puts on `ws`'s wire, when they may be written straight to it
 * (framed, and ws's Sender idle so order with ordinary `ws.send` calls holds); else null.
 */
export function wireBytesOf(ws: WebSocket, frame: PreparedFrame): Buffer | null {
  const framed = frame.framed;
  return framed !== null && (ws as unknown as WebSocketInternals)._sender!._state === SENDER_IDLE
    ? framed
    : null;
}

/**
 * Writes a prepared frame straight to `wire` (from `wireSocketOf(ws)`), which is what ws's
 * Sender does for an unmasked single-buffer frame, skipping its checks. Only while the Sender
 * is idle, so order with ordinary `ws.send` calls is kept; otherwise `ws.send`.
 */
export function writePrepared(ws: WebSocket, wire: WireSocket, frame: PreparedFrame): void {
  const bytes = wireBytesOf(ws, frame);
  if (bytes !== null) wire.write(bytes);
  else ws.send(frame.payload, { binary: false });
}

/**
 * Writes frames `from`… of a run whose framed bytes lie back to back in `bytes` (starting at
 * `start` for frame `from`) in one write of shared bytes, when the Sender is idle; otherwise,
 * or when ws could not pre-frame, each frame through `ws.send` in order.
 */
export function writePreparedRun(
  ws: WebSocket,
  wire: WireSocket,
  bytes: Buffer | null,
  start: number,
  frames: ReadonlyArray<PreparedFrame>,
  from: number,
): void {
  if (from >= frames.length) return;
  if (bytes !== null && (ws as unknown as WebSocketInternals)._sender!._state === SENDER_IDLE) {
    wire.write(start === 0 ? bytes : bytes.subarray(start));
    return;
  }
  for (let i = from; i < frames.length; i++) ws.send(frames[i]!.payload, { binary: false });
}
