import type { ChatError, DisconnectReason, Member, Reply, RoomEvent } from '@chatgate/core';
import type { Input, InputDecoder, TcpDialect } from '../tcp-dialect.js';

function bytes(text: string): Buffer {
  return Buffer.from(text, 'utf8');
}

const TRAILING_NEWLINES = /[\r\n]+$/;
/** Bytes joined across reads that end mid-character, past which they go as one message. */
const MAX_HELD_BYTES = 64 * 1024;

/**
 * No framing: each chunk read from the socket is one message, its trailing `\r\n` removed.
 * A UTF-8 character split across two reads is carried into the next one, never mangled.
 */
class ChunkDecoder implements InputDecoder {
  private readonly utf8 = new TextDecoder('utf-8');
  private readonly texts: string[] = [];
  private readonly sizes: number[] = [];
  /** A read that ended inside a character: it and the next read are one message. */
  private partial = '';
  private partialBytes = 0;
  pendingBytes = 0;

  push(chunk: Buffer): void {
    this.partial += this.utf8.decode(chunk, { stream: true });
    this.partialBytes += chunk.length;
    this.pendingBytes += chunk.length;
    // Bounded: a peer that always ends mid-character cannot make us hold its input forever.
    if (endsInsideCharacter(chunk) && this.partialBytes < MAX_HELD_BYTES) return;
    this.texts.push(this.partial.replace(TRAILING_NEWLINES, ''));
    this.sizes.push(this.partialBytes);
    this.partial = '';
    this.partialBytes = 0;
  }

  next(): Input | undefined {
    const text = this.texts.shift();
    if (text === undefined) return undefined;
    this.pendingBytes -= this.sizes.shift()!;
    return { kind: 'text', text };
  }
}

/** True when the last bytes start a UTF-8 character that the chunk does not finish. */
function endsInsideCharacter(chunk: Buffer): boolean {
  for (let back = 1; back <= Math.min(3, chunk.length); back++) {
    const byte = chunk[chunk.length - back]!;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: look further back
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return back < needed;
  }
  return false;
}

const ERROR_TEXT: Partial<Record<ChatError['code'], string>> = {
  target_required: '[ERROR] Missing @ ',
  no_such_member: '[ERROR] Target user not found',
};

/**
 * The cli-chat-room client (docs/protocols.md, at), byte for byte: the first chunk is the bare name
 * (no prompt), plain text needs `@`, replies carry no trailing newline.
 *
 * Messages, public or private, arrive as `NAME: text` (the original did not tell them apart);
 * the sender gets no echo. Joins, leaves and renames are not shown: the original never sent
 * them and its client prints every read as a message; `@people` tells who is here. Writes are
 * not coalesced, so separate events go out as separate writes (TCP may still merge reads).
 */
export const atDialect: TcpDialect = {
  name: 'at',
  naming: 'first-input',
  rooms: false,
  plainText: 'require_at',
  coalesce: false,

  createDecoder(): InputDecoder {
    return new ChunkDecoder();
  },

  encode(event: RoomEvent): Buffer | null {
    if (event.kind !== 'message') return null;
    return bytes(
      event.action ? `* ${event.sender} ${event.content}` : `${event.sender}: ${event.content}`,
    );
  },

  render(event: RoomEvent, frame: Buffer | null, self: Member): Buffer | null {
    if (event.kind !== 'message' || event.senderId === self.id) return null;
    return frame;
  },

  renderReply(reply: Reply): Buffer | null {
    switch (reply.kind) {
      case 'people':
        return bytes(
          reply.names.length === 0
            ? 'No other users connected'
            : `Online: ${reply.names.join(',')}`,
        );
      case 'users':
        return bytes(
          reply.page === undefined
            ? `Users: ${reply.names.join(',')}`
            : `Users (page ${reply.page.number} of ${reply.page.pages}, ${reply.page.total} in all): ${reply.names.join(',')}`,
        );
      case 'history':
        if (reply.events.length === 0) return bytes('No messages yet');
        return bytes(reply.events.map((e) => `${e.sender}: ${e.content}`).join('\n'));
      case 'help':
        return bytes(reply.commands.map((c) => `${c.usage} - ${c.description}`).join('\n'));
      case 'renamed':
        return bytes(`You are now ${reply.to}`);
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
    return bytes(ERROR_TEXT[error.code] ?? `[ERROR] ${error.message}`);
  },

  farewell(reason: DisconnectReason): Buffer | null {
    switch (reason) {
      case 'shutdown':
        return bytes('[ERROR] Server shutting down');
      case 'timeout':
        return bytes('[ERROR] No username received');
      case 'flooding':
        return bytes('[ERROR] Disconnected for flooding');
      case 'quit':
      case 'closed':
      case 'error':
      case 'too_slow':
      case 'protocol':
        return null;
    }
  },

  refuseConnection(reason: string): Buffer {
    return bytes(`[ERROR] ${reason}`);
  },
};
