import type {
  ChatErrorCode,
  MessageEvent,
  Reply,
  ResumeOutcome,
  ResumeRequest,
  RoomEvent,
} from '@chatgate/core';
import { CHAT_ERROR_CODES, parseResumeRequest } from '@chatgate/core';

/**
 * The WebSocket JSON protocol (docs/protocols.md): one JSON object per text frame. This file is the
 * codec only: bytes in → ClientMessage, events and replies → JSON text. No sockets, no room.
 */

/** What one client frame means. `kind` is ours; `type` on the wire is the client's. */
export type ClientMessage =
  | { kind: 'connect'; username: string | undefined; resume?: ResumeRequest; token?: string }
  | {
      kind: 'chat';
      content: string;
      to: string | undefined;
      ref: MessageRef | undefined;
      /** Said in this room (one the member is in), which becomes its current room. */
      room: string | undefined;
    }
  | { kind: 'join_room'; room: string; ref: MessageRef | undefined }
  /** No `room`: the current one. */
  | { kind: 'part_room'; room: string | undefined; ref: MessageRef | undefined }
  /** A well-formed object of a type we do not know: ignored, like the group_terminal client does. */
  | { kind: 'unknown'; type: string }
  /** Not JSON, not an object, or a known type with bad fields: answered with an error frame. */
  | { kind: 'invalid'; code: 'invalid_json' | 'invalid_message'; message: string }
  /** A binary frame: the protocol is text only. */
  | { kind: 'binary' }
  /** Larger than the gateway's payload limit. */
  | { kind: 'too_large'; bytes: number };

/**
 * A client's own label for a chat_message, echoed in the `error` frame that refuses it, so a
 * client knows exactly which text was refused (the page puts those texts back in its box).
 */
export type MessageRef = string | number;

/** Longest string `ref` accepted; a ref labels a message, it does not carry data. */
export const MAX_REF_CHARS = 64;

/** Error codes that only this protocol produces (the rest are core's ChatErrorCode). */
export const PROTOCOL_ERROR_CODES = {
  invalid_json: 'Frames must be JSON objects.',
  invalid_message: 'A field of this message is missing or has the wrong type.',
  already_connected: 'This connection has already joined.',
  server_busy: 'The server is not accepting this connection now.',
} as const;

export type ProtocolErrorCode = keyof typeof PROTOCOL_ERROR_CODES;

/** Every `code` an `error` frame can carry. */
export type WireErrorCode = ChatErrorCode | ProtocolErrorCode;

export const WIRE_ERROR_CODES: readonly WireErrorCode[] = [
  ...(Object.keys(CHAT_ERROR_CODES) as ChatErrorCode[]),
  ...(Object.keys(PROTOCOL_ERROR_CODES) as ProtocolErrorCode[]),
];

/** Fixed texts that real clients match on (docs/protocols.md); do not reword. */
export const CONNECTED_MESSAGE = 'Connected successfully';
export const FIRST_MESSAGE_MUST_BE_CONNECT = 'First message must be connect';
export const NAME_TAKEN_MESSAGE = 'User already connected';
export const NAME_MISMATCH_MESSAGE = 'Username does not match the connection path';

type Data = Buffer | ArrayBuffer | Buffer[] | string;

function byteLength(data: Data): number {
  if (typeof data === 'string') return Buffer.byteLength(data);
  if (Array.isArray(data)) return data.reduce((sum, part) => sum + part.length, 0);
  return data.byteLength;
}

function toText(data: Data): string {
  if (typeof data === 'string') return data;
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}

function isMessageRef(value: unknown): value is MessageRef {
  if (typeof value === 'number') return Number.isFinite(value);
  return typeof value === 'string' && value.length <= MAX_REF_CHARS;
}

const invalidMessage = (message: string): ClientMessage => ({
  kind: 'invalid',
  code: 'invalid_message',
  message,
});

/**
 * Decodes one client frame. Size is checked before parsing; never throws.
 * `maxBytes` 0 means no limit here (ws's own maxPayload still applies).
 */
export function decodeClientMessage(data: Data, isBinary: boolean, maxBytes = 0): ClientMessage {
  const bytes = byteLength(data);
  if (maxBytes > 0 && bytes > maxBytes) return { kind: 'too_large', bytes };
  if (isBinary) return { kind: 'binary' };
  let value: unknown;
  try {
    value = JSON.parse(toText(data));
  } catch {
    return { kind: 'invalid', code: 'invalid_json', message: 'That frame is not valid JSON.' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { kind: 'invalid', code: 'invalid_json', message: 'Frames must be JSON objects.' };
  }
  const message = value as Record<string, unknown>;
  const type = message.type;
  if (typeof type !== 'string') return invalidMessage('"type" must be a string.');
  switch (type) {
    case 'connect': {
      const username = message.username;
      if (username !== undefined && username !== null && typeof username !== 'string') {
        return invalidMessage('"username" must be a string.');
      }
      const name = typeof username === 'string' ? username : undefined;
      const token = message.token;
      if (token !== undefined && token !== null && typeof token !== 'string') {
        return invalidMessage('"token" must be a string.');
      }
      const auth = typeof token === 'string' ? { token } : {};
      if (message.resume === undefined || message.resume === null) {
        return { kind: 'connect', username: name, ...auth };
      }
      const resume = parseResumeRequest(message.resume);
      if (typeof resume === 'string') return invalidMessage(resume);
      return { kind: 'connect', username: name, resume, ...auth };
    }
    case 'chat_message': {
      const { content, to, ref, room } = message;
      if (typeof content !== 'string') return invalidMessage('"content" must be a string.');
      if (to !== undefined && to !== null && typeof to !== 'string') {
        return invalidMessage('"to" must be a string.');
      }
      if (room !== undefined && room !== null && typeof room !== 'string') {
        return invalidMessage('"room" must be a string.');
      }
      if (ref !== undefined && ref !== null && !isMessageRef(ref)) return invalidRef();
      return {
        kind: 'chat',
        content,
        to: typeof to === 'string' ? to : undefined,
        ref: isMessageRef(ref) ? ref : undefined,
        room: typeof room === 'string' ? room : undefined,
      };
    }
    case 'join_room':
    case 'part_room': {
      const { room, ref } = message;
      const optional = type === 'part_room' && (room === undefined || room === null);
      if (!optional && typeof room !== 'string') return invalidMessage('"room" must be a string.');
      if (ref !== undefined && ref !== null && !isMessageRef(ref)) return invalidRef();
      const refField = isMessageRef(ref) ? ref : undefined;
      return type === 'join_room'
        ? { kind: 'join_room', room: room as string, ref: refField }
        : { kind: 'part_room', room: optional ? undefined : (room as string), ref: refField };
    }
    default:
      return { kind: 'unknown', type };
  }
}

function invalidRef(): ClientMessage {
  return invalidMessage(
    `"ref" must be a finite number or a string of at most ${MAX_REF_CHARS} characters.`,
  );
}

// ---- server → client ----

/**
 * A chat message as the wire shows it: the group_terminal fields first, then ours. `room` only
 * for rooms other than the default, so a client that knows nothing of rooms sees no change.
 */
function messageObject(
  event: MessageEvent,
  history: boolean,
  room?: string,
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    type: 'chat_message',
    content: event.content,
    sender: event.sender,
    agent: event.agent,
    seq: event.seq,
    ts: event.ts,
  };
  if (event.to !== undefined) out.to = event.to;
  if (event.action) out.action = true;
  if (history) out.history = true;
  if (room !== undefined) out.room = room;
  return out;
}

/**
 * The JSON text of a room event, the same for every recipient (the room encodes it once).
 * Private messages carry `to`; sender and recipient get the same frame.
 */
export function encodeEvent(event: RoomEvent, room?: string): string {
  switch (event.kind) {
    case 'message':
      return JSON.stringify(messageObject(event, false, room));
    case 'join':
      return JSON.stringify(
        withRoom({ type: 'join', name: event.name, seq: event.seq, ts: event.ts }, room),
      );
    case 'leave':
      return JSON.stringify(
        withRoom(
          { type: 'leave', name: event.name, reason: event.reason, seq: event.seq, ts: event.ts },
          room,
        ),
      );
    case 'rename':
      return JSON.stringify(
        withRoom(
          { type: 'rename', from: event.from, to: event.to, seq: event.seq, ts: event.ts },
          room,
        ),
      );
  }
}

function withRoom<T extends object>(frame: T, room: string | undefined): T {
  return room === undefined ? frame : { ...frame, room };
}

/** A replayed public message: a chat_message marked `"history":true` (and its room's name). */
export function encodeHistoryMessage(event: MessageEvent, room?: string): string {
  return JSON.stringify(messageObject(event, true, room));
}

/**
 * A room joined (`/join` or `join_room`), sent as the member's own join there is applied, after
 * that room's history: who is there (null past the presence list size: then only `count`).
 */
export function encodeRoomJoined(
  room: string,
  users: readonly string[] | null,
  count: number,
  seq: number,
): string {
  return JSON.stringify(
    users === null
      ? { type: 'room_joined', room, count, seq }
      : { type: 'room_joined', room, users, count, seq },
  );
}

export function encodeConnectResponse(success: boolean, message: string): string {
  return JSON.stringify({ type: 'connect_response', success, message });
}

/** After a resume: how many missed events were just sent, or that the history was reset. */
export function encodeResumed(outcome: ResumeOutcome, epoch: string): string {
  return outcome.kind === 'events'
    ? JSON.stringify({ type: 'resumed', missed: outcome.count, epoch })
    : JSON.stringify({ type: 'history_reset', epoch });
}

/** The name refusal; yes, the type really is `login_response` (docs/protocols.md). */
export function encodeLoginRefusal(message: string): string {
  return JSON.stringify({ type: 'login_response', success: false, message });
}

/**
 * Sent once after connect_response and the history replay: who you are and who is here.
 * `users` is null in a large room (then only `count`; `/users` lists the names).
 */
export function encodeWelcome(
  name: string,
  users: readonly string[] | null,
  count: number,
  seq: number,
  resume?: { epoch: string; token: string },
  room?: string,
): string {
  const base =
    users === null
      ? { type: 'welcome', name, count, seq, room }
      : { type: 'welcome', name, users, count, seq, room };
  return JSON.stringify(
    resume === undefined ? base : { ...base, epoch: resume.epoch, resume_token: resume.token },
  );
}

/**
 * A large room's joins and leaves since the last presence frame, as counts: `count` is the
 * room's size after them (exact), `seq` the last of them. One frame per flush for everyone.
 */
export function encodePresenceCount(
  count: number,
  joined: number,
  left: number,
  seq: number,
  room?: string,
): string {
  return JSON.stringify(withRoom({ type: 'presence', count, joined, left, seq }, room));
}

/** An error frame; `ref` is the refused chat_message's own ref, when it had one. */
export function encodeError(code: WireErrorCode, message: string, ref?: MessageRef): string {
  return JSON.stringify(
    ref === undefined ? { type: 'error', code, message } : { type: 'error', code, message, ref },
  );
}

/** Sent before the server closes a joined connection, saying why. */
export function encodeBye(reason: string, message: string): string {
  return JSON.stringify({ type: 'bye', reason, message });
}

/**
 * A command's reply for the member who typed it, or null when the room's own events already
 * say it (`sent` is confirmed by the echo, `renamed` by the rename event, `quit` by `bye`).
 */
export function encodeReply(reply: Reply): string | null {
  switch (reply.kind) {
    case 'users':
      return JSON.stringify(
        reply.page === undefined
          ? { type: 'users', users: reply.names }
          : {
              type: 'users',
              users: reply.names,
              page: reply.page.number,
              pages: reply.page.pages,
              total: reply.page.total,
            },
      );
    case 'people':
      return JSON.stringify({ type: 'people', users: reply.names });
    case 'history':
      return JSON.stringify({
        type: 'history',
        messages: reply.events.map((event) => messageObject(event, true)),
      });
    case 'help':
      return JSON.stringify({ type: 'help', commands: reply.commands });
    case 'room_joined':
      // A new room was announced by its room_joined frame as the join was applied.
      return reply.already ? JSON.stringify({ type: 'room_switched', room: reply.room }) : null;
    case 'room_parted':
      return JSON.stringify({ type: 'room_parted', room: reply.room, current: reply.current });
    case 'room_switched':
      return JSON.stringify({ type: 'room_switched', room: reply.room });
    case 'rooms':
      return JSON.stringify({ type: 'rooms', rooms: reply.rooms });
    case 'who':
      return JSON.stringify({
        type: 'who',
        room: reply.room,
        users: reply.names,
        total: reply.total,
      });
    case 'sent':
    case 'ignored':
    case 'renamed':
    case 'quit':
      return null;
  }
}
