import {
  ChatError,
  type DisconnectReason,
  type Member,
  type PresenceEvent,
  type Reply,
  type RoomEvent,
  type RoomInfo,
} from '@chatgate/core';
import { BytesRun } from '../bytes-run.js';
import { LINE_TOO_LONG, LineFramer } from '../framing/lines.js';
import type { DecoderOptions, Input, InputDecoder, TcpDialect } from '../tcp-dialect.js';

function line(text: string): Buffer {
  return Buffer.from(`${text}\n`, 'utf8');
}

/** A `* `-prefixed system line. */
function notice(text: string): Buffer {
  return line(`* ${text}`);
}

class LineDecoder implements InputDecoder {
  private readonly framer: LineFramer;

  constructor(private readonly maxLineBytes: number) {
    this.framer = new LineFramer(maxLineBytes);
  }

  get pendingBytes(): number {
    return this.framer.pendingBytes;
  }

  push(chunk: Buffer): void {
    this.framer.push(chunk);
  }

  next(): Input | undefined {
    const next = this.framer.next();
    if (next === undefined) return undefined;
    if (next === LINE_TOO_LONG) {
      return {
        kind: 'refused',
        error: new ChatError(
          'too_long',
          `line too long (at most ${this.maxLineBytes} bytes); discarded`,
        ),
      };
    }
    return { kind: 'text', text: next };
  }
}

function presenceLine(event: PresenceEvent): Buffer {
  return notice(`${event.name} ${event.kind === 'join' ? 'joined' : 'left'} the chat`);
}

function renderMessageLines(events: ReadonlyArray<RoomEvent>): string {
  let out = '';
  for (const event of events) {
    if (event.kind === 'message')
      out += event.action
        ? `* ${event.sender} ${event.content}\n`
        : `[${event.sender}]: ${event.content}\n`;
  }
  return out;
}

function renderHelp(commands: ReadonlyArray<{ usage: string; description: string }>): string {
  const width = Math.max(...commands.map((c) => c.usage.length));
  let out = '* commands:\n';
  for (const c of commands) out += `*   ${c.usage.padEnd(width)}  ${c.description}\n`;
  return out;
}

function describeRoom(room: RoomInfo): string {
  const marks = room.current ? ', current' : room.joined ? ', joined' : '';
  return `#${room.name} (${room.size}${marks})`;
}

/** The last frame marked with its room (see fromRoom). */
let marked: { bytes: Buffer | null; room: string; out: Buffer } = {
  bytes: null,
  room: '',
  out: Buffer.alloc(0),
};

/** `prefix` before every line of `bytes`. */
function prefixLines(prefix: string, bytes: Buffer): Buffer {
  const text = bytes.toString('utf8');
  const lines = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
  return Buffer.from(`${lines.map((l) => prefix + l).join('\n')}\n`, 'utf8');
}

// A Record over the whole union: a new reason does not compile until it is worded here.
const FAREWELL: Record<DisconnectReason, Buffer | null> = {
  shutdown: notice('server shutting down'),
  quit: notice('goodbye'),
  flooding: notice('error: disconnected for flooding'),
  timeout: notice('error: timed out'),
  protocol: notice('error: protocol error'),
  error: notice('error: internal error'),
  closed: null,
  too_slow: null,
};

/**
 * nc/telnet (docs/protocols.md, line): UTF-8 lines, auto-named `userN`, joined at connect.
 *
 * Others see `[NAME]: text`, `* NAME ACTION` (`/me`), `* NAME joined the chat`, `* NAME left the chat`,
 * `* OLD is now known as NEW`; the sender gets no echo of public messages. A private message
 * arrives as `[alice -> you]: text`, and its sender gets `[you -> bob]: text` as the receipt
 * (nc shows what was typed, not whether it reached anyone). Everything else is a `* ` line.
 */
export const lineDialect: TcpDialect = {
  name: 'line',
  naming: 'auto',
  rooms: true,
  plainText: 'public',
  coalesce: true,

  createDecoder(options: DecoderOptions): InputDecoder {
    return new LineDecoder(options.maxLineBytes);
  },

  encode(event: RoomEvent): Buffer {
    switch (event.kind) {
      case 'message':
        if (event.action) return notice(`${event.sender} ${event.content}`);
        return event.toId === undefined
          ? line(`[${event.sender}]: ${event.content}`)
          : line(`[${event.sender} -> you]: ${event.content}`);
      case 'join':
      case 'leave':
        return presenceLine(event);
      case 'rename':
        return notice(`${event.from} is now known as ${event.to}`);
    }
  },

  // A join storm's `* userN joined the chat` lines, built once per flush for every member
  // (docs/protocols.md keeps the lines exact; only how they are produced is cheaper).
  encodePresence(events: ReadonlyArray<PresenceEvent>): BytesRun {
    return BytesRun.of(events.map(presenceLine));
  },

  render(event: RoomEvent, frame: Buffer | null, self: Member): Buffer | null {
    switch (event.kind) {
      case 'message':
        if (event.senderId !== self.id) return frame;
        return event.toId === undefined ? null : line(`[you -> ${event.to}]: ${event.content}`);
      case 'join':
        if (event.memberId !== self.id) return frame;
        // Joining another room: the /join reply says so.
        if (self.owner !== undefined) return null;
        return notice(
          `welcome, you are ${event.name}. Type /help for commands, /nick NAME to change your name.`,
        );
      case 'rename':
        return event.memberId === self.id ? notice(`you are now known as ${event.to}`) : frame;
      case 'leave':
        return frame;
    }
  },

  renderReply(reply: Reply, self: Member): Buffer | null {
    switch (reply.kind) {
      case 'users':
        return notice(
          reply.page === undefined
            ? `users: ${reply.names.join(', ')}`
            : `users, page ${reply.page.number} of ${reply.page.pages} (${reply.page.total} in all; /users N for page N): ${reply.names.join(', ')}`,
        );
      case 'people':
        return notice(
          reply.names.length === 0 ? 'nobody else is here' : `people: ${reply.names.join(', ')}`,
        );
      case 'history':
        if (reply.events.length === 0) return notice('history: no messages yet');
        return Buffer.from(
          `* history: last ${reply.events.length}\n${renderMessageLines(reply.events)}* end of history\n`,
        );
      case 'help':
        return Buffer.from(renderHelp(reply.commands));
      case 'renamed':
        // A real rename is announced by its event; this is the no-op case.
        return reply.from === reply.to ? notice(`you are already ${self.name}`) : null;
      case 'room_joined':
        return notice(
          reply.already
            ? `now talking in #${reply.room}`
            : `you joined #${reply.room} (${reply.size} here); now talking in #${reply.room}`,
        );
      case 'room_parted':
        return notice(`you left #${reply.room}; now talking in #${reply.current}`);
      case 'room_switched':
        return notice(`now talking in #${reply.room}`);
      case 'rooms':
        return notice(`rooms: ${reply.rooms.map(describeRoom).join(', ')}`);
      case 'who': {
        const more = reply.total - reply.names.length;
        return notice(
          `#${reply.room} (${reply.total}): ${reply.names.join(', ')}${more > 0 ? ` and ${more} more` : ''}`,
        );
      }
      case 'sent':
      case 'ignored':
      case 'quit':
        return null;
    }
  },

  fromRoom(room: string, bytes: Buffer): Buffer {
    // The room hands every recipient the same frame in a row: mark it once for all of them.
    if (marked.bytes !== bytes || marked.room !== room) {
      marked = { bytes, room, out: prefixLines(`[#${room}] `, bytes) };
    }
    return marked.out;
  },

  renderError(error: ChatError): Buffer {
    return notice(`error: ${error.message}`);
  },

  farewell(reason: DisconnectReason): Buffer | null {
    return FAREWELL[reason];
  },

  refuseConnection(reason: string): Buffer {
    return notice(`error: ${reason}`);
  },

  loginPrompt(): Buffer {
    return notice('this server requires a token: type /login TOKEN (or /quit)');
  },
};
