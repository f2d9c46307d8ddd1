import type { ChatError, DisconnectReason, Member, Reply, RoomEvent } from '@chatgate/core';
import { END_FRAME, encodeFrame, FrameDecoder, MAX_FRAME_BYTES } from '../framing/frames.js';
import type { Input, InputDecoder, TcpDialect } from '../tcp-dialect.js';

/** Who room notices, replies and errors come from; reserved, so no member can pose as it. */
export const PEER_SYSTEM_SENDER = 'system';
/** The name this server uses as a peer when it leaves (shutdown). */
export const PEER_SERVER_NAME = 'chatgate';

const MSG_END = '<MSGENCD>';
const EXT_END = '<EXTENCD>';
// `[ts] - NAME:\x1b[32m text\n\x1b[0m<MSGENCD>`; colour codes, the space and the newline are
// optional so near-variants still parse. The name ends at the first colon.
const CHAT_PAYLOAD = /^\[[^\]\n]*\] - ([^:]*):(?:\x1b\[32m)? ?([\s\S]*?)\n?(?:\x1b\[0m)?<MSGENCD>$/;
// `\n[ts]|\n\x1b[35mNAME  has left the chat... \x1b[0m <EXTENCD>`
const LEAVE_PAYLOAD =
  /^\n?\[[^\]\n]*\]\|\n?(?:\x1b\[35m)?[\s\S]*?has left the chat[\s\S]*<EXTENCD>$/;
// Our own text must not end a frame early for a peer that scans for the markers.
const MARKERS = /<(MSG|EXT)ENCD>/g;

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/**
 * Python's `datetime.now().isoformat()` as the lab3 peers print it: local time, microseconds
 * (ours are whole milliseconds), no zone. E.g. `2026-11-22T10:04:11.777000`.
 */
export function formatPeerTime(ts: number): string {
  const d = new Date(ts);
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}` +
    `T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}` +
    `.${pad(d.getMilliseconds(), 3)}000`
  );
}

function chatPayload(ts: number, sender: string, text: string): string {
  return `[${formatPeerTime(ts)}] - ${sender}:\x1b[32m ${text}\n\x1b[0m${MSG_END}`;
}

/** One whole chat frame. Text that would not fit a 2-byte length is cut on a character. */
export function encodeChatFrame(ts: number, sender: string, text: string): Buffer {
  const safeSender = sender.replace(MARKERS, '[$1ENCD]');
  const safeText = text.replace(MARKERS, '[$1ENCD]');
  let payload = Buffer.from(chatPayload(ts, safeSender, safeText), 'utf8');
  if (payload.length > MAX_FRAME_BYTES) {
    const over = payload.length - MAX_FRAME_BYTES;
    const body = Buffer.from(safeText, 'utf8');
    const cut = body.subarray(0, Math.max(0, body.length - over)).toString('utf8');
    payload = Buffer.from(chatPayload(ts, safeSender, cut.replace(/\uFFFD$/, '')), 'utf8');
  }
  return encodeFrame(payload);
}

/** The lab3 leave frame, sent for this server itself when it shuts down. */
export function encodeLeaveFrame(ts: number, name: string): Buffer {
  const payload = `\n[${formatPeerTime(ts)}]|\n\x1b[35m${name}  has left the chat... \x1b[0m ${EXT_END}`;
  return encodeFrame(Buffer.from(payload, 'utf8'));
}

function system(text: string, ts: number): Buffer {
  return encodeChatFrame(ts, PEER_SYSTEM_SENDER, text);
}

/** Payload text → input. Anything but a chat or a leave payload is malformed. */
export function parsePeerPayload(payload: string): Input {
  if (payload.endsWith(MSG_END)) {
    const match = CHAT_PAYLOAD.exec(payload);
    if (match !== null && match[1]!.trim().length > 0) {
      return { kind: 'message', sender: match[1]!, text: match[2]! };
    }
  } else if (payload.endsWith(EXT_END) && LEAVE_PAYLOAD.test(payload)) {
    return { kind: 'leave' };
  }
  return { kind: 'malformed', detail: 'not a lab3 chat or leave payload' };
}

class PeerDecoder implements InputDecoder {
  private readonly frames = new FrameDecoder();

  get pendingBytes(): number {
    return this.frames.pendingBytes;
  }

  push(chunk: Buffer): void {
    this.frames.push(chunk);
  }

  next(): Input | undefined {
    const frame = this.frames.next();
    if (frame === undefined) return undefined;
    if (frame === END_FRAME) return { kind: 'leave' };
    return parsePeerPayload(frame.toString('utf8'));
  }
}

export interface PeerDialectOptions {
  /** Clock for frames that are not room events (replies, errors, goodbye). Default Date.now. */
  now?: () => number;
  /** This server's name in its own leave frame on shutdown. Default `chatgate`. */
  serverName?: string;
}

/**
 * The lab3 GroupPeer (docs/protocols.md, peer): this listener is one more peer. 2-byte big-endian
 * length frames of UTF-8; a zero length closes. The first chat frame's sender names the
 * member and its text is the first message; later frames' sender fields are ignored (the
 * name is bound to the connection). A leave payload or zero length leaves; any other payload
 * closes the connection (`protocol`).
 *
 * Out: every room event is a chat frame in the same format, stamped with the event's time.
 * Joins, leaves and renames come from `system` (`alice joined the chat`): the lab3 leave
 * format is not used for them, since a peer reading it drops the connection it arrived on.
 * It is sent once, as this server's own goodbye on shutdown. Private messages show as
 * `alice -> you` (recipient) and `you -> bob` (sender's receipt); no echo of public ones.
 */
export function createPeerDialect(options: PeerDialectOptions = {}): TcpDialect {
  const now = options.now ?? Date.now;
  const serverName = options.serverName ?? PEER_SERVER_NAME;
  return {
    name: 'peer',
    naming: 'first-input',
    rooms: false,
    plainText: 'public',
    coalesce: true,

    createDecoder(): InputDecoder {
      return new PeerDecoder();
    },

    encode(event: RoomEvent): Buffer {
      switch (event.kind) {
        case 'message':
          if (event.action) return system(`* ${event.sender} ${event.content}`, event.ts);
          return encodeChatFrame(
            event.ts,
            event.toId === undefined ? event.sender : `${event.sender} -> you`,
            event.content,
          );
        case 'join':
          return system(`${event.name} joined the chat`, event.ts);
        case 'leave':
          return system(`${event.name} left the chat`, event.ts);
        case 'rename':
          return system(`${event.from} is now known as ${event.to}`, event.ts);
      }
    },

    render(event: RoomEvent, frame: Buffer | null, self: Member): Buffer | null {
      switch (event.kind) {
        case 'message':
          if (event.senderId !== self.id) return frame;
          return event.toId === undefined
            ? null
            : encodeChatFrame(event.ts, `you -> ${event.to}`, event.content);
        case 'join':
          return event.memberId === self.id ? null : frame;
        case 'rename':
          return event.memberId === self.id
            ? system(`you are now known as ${event.to}`, event.ts)
            : frame;
        case 'leave':
          return frame;
      }
    },

    renderReply(reply: Reply, self: Member): Buffer | null {
      switch (reply.kind) {
        case 'users':
          return system(
            reply.page === undefined
              ? `users: ${reply.names.join(', ')}`
              : `users, page ${reply.page.number} of ${reply.page.pages} (${reply.page.total} in all): ${reply.names.join(', ')}`,
            now(),
          );
        case 'people':
          return system(
            reply.names.length === 0 ? 'nobody else is here' : `people: ${reply.names.join(', ')}`,
            now(),
          );
        case 'history':
          if (reply.events.length === 0) return system('history: no messages yet', now());
          return Buffer.concat(
            reply.events.map((e) =>
              e.action
                ? system(`* ${e.sender} ${e.content}`, e.ts)
                : encodeChatFrame(e.ts, e.sender, e.content),
            ),
          );
        case 'help':
          return system(
            `commands:\n${reply.commands.map((c) => `${c.usage} - ${c.description}`).join('\n')}`,
            now(),
          );
        case 'renamed':
          return reply.from === reply.to ? system(`you are already ${self.name}`, now()) : null;
        case 'sent':
        case 'ignored':
        case 'quit':
        // This dialect stays in the default room: core refuses room commands before a reply.
        case 'room_joined':
        case 'room_parted':
        case 'room_switched':
        case 'rooms':
        case 'who':
          return null;
      }
    },

    renderError(error: ChatError): Buffer {
      return system(`error: ${error.message}`, now());
    },

    farewell(reason: DisconnectReason): Buffer | null {
      switch (reason) {
        case 'shutdown':
          return encodeLeaveFrame(now(), serverName);
        case 'timeout':
          return system('error: no message received in time', now());
        case 'flooding':
          return system('error: disconnected for flooding', now());
        case 'protocol':
          return system('error: malformed frame', now());
        case 'quit':
        case 'closed':
        case 'error':
        case 'too_slow':
          return null;
      }
    },

    refuseConnection(reason: string): Buffer {
      return system(`error: ${reason}`, now());
    },
  };
}

/** The peer dialect with the wall clock and `chatgate` as the server's peer name. */
export const peerDialect: TcpDialect = createPeerDialect();
