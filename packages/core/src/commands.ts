import type { MessageEvent } from './events.js';

/** What a line of input means. Pure: no room state. */
export type Command =
  | { kind: 'public'; text: string }
  | { kind: 'private'; to: string; text: string }
  | { kind: 'action'; text: string }
  | { kind: 'people' }
  | { kind: 'users'; page: number }
  | { kind: 'nick'; name: string }
  | { kind: 'history'; count: number }
  | { kind: 'help' }
  | { kind: 'quit' }
  | { kind: 'join_room'; room: string }
  /** No `room`: the current one. */
  | { kind: 'part_room'; room?: string }
  | { kind: 'switch_room'; room: string }
  | { kind: 'rooms' }
  /** No `room`: the current one. */
  | { kind: 'who'; room?: string }
  | { kind: 'unknown'; command: string }
  | { kind: 'usage'; command: string; usage: string }
  | { kind: 'missing_target' }
  | { kind: 'empty' };

/**
 * What a command did, for the transport to render in its own words. Every dialect renders it
 * with an exhaustive switch, so adding a kind here makes the compiler name each renderer.
 */
export type Reply =
  | { kind: 'sent'; seq: number; ts: number }
  | { kind: 'ignored' }
  /** `page` only in a room larger than one page (RoomLimits.usersPageSize). */
  | { kind: 'users'; names: string[]; page?: UsersPage }
  | { kind: 'people'; names: string[] }
  | { kind: 'history'; events: MessageEvent[] }
  | { kind: 'help'; commands: ReadonlyArray<{ usage: string; description: string }> }
  | { kind: 'renamed'; from: string; to: string }
  | { kind: 'quit' }
  /** The member is in `room` now and it is its current room; `already`: it was in it before. */
  | { kind: 'room_joined'; room: string; size: number; already: boolean }
  /** The member left `room`; `current` is its current room now. */
  | { kind: 'room_parted'; room: string; current: string }
  | { kind: 'room_switched'; room: string }
  | { kind: 'rooms'; rooms: RoomInfo[] }
  /** `names` is the first page (RoomLimits.usersPageSize) of `total`. */
  | { kind: 'who'; room: string; names: string[]; total: number };

/** One room in a `/rooms` listing, as the member who asked sees it. */
export interface RoomInfo {
  /** The room's canonical name, without `#`. */
  readonly name: string;
  /** Members on every node. */
  readonly size: number;
  /** The asking member is in it. */
  readonly joined: boolean;
  /** It is the asking member's current room. */
  readonly current: boolean;
  /** It is the server's default room (where every client starts). */
  readonly default: boolean;
}

/** Which page of a large room's `/users` this is: `number` of `pages`, `total` names in all. */
export interface UsersPage {
  number: number;
  pages: number;
  total: number;
}

/**
 * Page `page` (from 1) of `names`, `size` at a time. A room that fits one page is listed whole,
 * as always; past the last page is a bad_request naming the range.
 */
export function usersReply(names: string[], page: number, size: number): Reply | string {
  const pages = Math.max(1, Math.ceil(names.length / size));
  if (page > pages) return `/users [PAGE] (1-${pages})`;
  if (pages === 1) return { kind: 'users', names };
  const start = (page - 1) * size;
  return {
    kind: 'users',
    names: names.slice(start, start + size),
    page: { number: page, pages, total: names.length },
  };
}

/** What plain text (no `@` or `/`) means: a public message, or an error (the at dialect). */
export type PlainTextPolicy = 'public' | 'require_at';

export const HISTORY_DEFAULT = 20;
export const HISTORY_MAX = 100;

export const COMMAND_HELP: ReadonlyArray<{ usage: string; description: string }> = [
  { usage: 'text', description: 'send a message to everyone' },
  { usage: '@all text', description: 'send a message to everyone' },
  { usage: '@NAME text', description: 'send a private message to NAME' },
  { usage: '/msg NAME text', description: 'send a private message to NAME' },
  { usage: '@people', description: 'list the others in the room' },
  { usage: '/users', description: 'list everyone in the room' },
  { usage: '/me ACTION', description: 'tell everyone what you do (* NAME ACTION)' },
  { usage: '/nick NAME', description: 'change your name' },
  { usage: '/history [N]', description: `show the last N messages (default ${HISTORY_DEFAULT})` },
  { usage: '/help', description: 'show this list' },
  { usage: '/quit', description: 'leave the room' },
];

/** The room commands, for clients that may use rooms (the at and peer dialects may not). */
export const ROOM_COMMAND_HELP: ReadonlyArray<{ usage: string; description: string }> = [
  { usage: '/join ROOM', description: 'join ROOM (e.g. #dev) and talk there' },
  { usage: '/part [ROOM]', description: 'leave ROOM (default: the current room)' },
  { usage: '/switch ROOM', description: 'talk in ROOM, one you are in' },
  { usage: '/rooms', description: 'list the rooms and how many are in each' },
  { usage: '/who [ROOM]', description: "list a room's members" },
];

/** `/help` for a client that may use rooms: everything, /quit last. */
export const FULL_COMMAND_HELP: ReadonlyArray<{ usage: string; description: string }> = [
  ...COMMAND_HELP.slice(0, -1),
  ...ROOM_COMMAND_HELP,
  ...COMMAND_HELP.slice(-1),
];

function splitWord(text: string): [string, string] {
  const match = /^(\S+)\s*([\s\S]*)$/.exec(text);
  return match ? [match[1]!, match[2]!] : ['', ''];
}

export function parseCommand(input: string, plainText: PlainTextPolicy = 'public'): Command {
  const text = input.trim();
  if (text.length === 0) return { kind: 'empty' };

  if (text.startsWith('@')) {
    const [target, rest] = splitWord(text.slice(1));
    const lower = target.toLowerCase();
    if (lower === 'people' && rest.length === 0) return { kind: 'people' };
    if (target.length === 0) return { kind: 'missing_target' };
    if (lower === 'all')
      return rest.length === 0 ? { kind: 'empty' } : { kind: 'public', text: rest };
    // `@NAME` alone still names someone: an unknown NAME gets no_such_member, not silence.
    return { kind: 'private', to: target, text: rest };
  }

  if (text.startsWith('/')) {
    const [word, rest] = splitWord(text);
    const command = word.toLowerCase();
    switch (command) {
      case '/msg': {
        const [to, body] = splitWord(rest);
        if (to.length === 0 || body.length === 0) {
          return { kind: 'usage', command, usage: '/msg NAME text' };
        }
        return { kind: 'private', to, text: body };
      }
      case '/me':
        if (rest.length === 0) return { kind: 'usage', command, usage: '/me ACTION' };
        return { kind: 'action', text: rest };
      case '/users': {
        if (rest.length === 0) return { kind: 'users', page: 1 };
        const page = /^\d+$/.test(rest) ? Number(rest) : 0;
        if (page < 1) return { kind: 'usage', command, usage: '/users [PAGE]' };
        return { kind: 'users', page };
      }
      case '/nick':
        if (rest.length === 0) return { kind: 'usage', command, usage: '/nick NAME' };
        return { kind: 'nick', name: rest };
      case '/history': {
        if (rest.length === 0) return { kind: 'history', count: HISTORY_DEFAULT };
        // Decimal digits only: Number() would also take `1e1`, `0x10` and `2.`.
        const n = /^\d+$/.test(rest) ? Number(rest) : 0;
        if (n < 1) {
          return { kind: 'usage', command, usage: `/history [N] (1-${HISTORY_MAX})` };
        }
        return { kind: 'history', count: Math.min(n, HISTORY_MAX) };
      }
      case '/help':
        return { kind: 'help' };
      case '/join':
        if (rest.length === 0) return { kind: 'usage', command, usage: '/join ROOM' };
        return { kind: 'join_room', room: rest };
      case '/part':
        return rest.length === 0 ? { kind: 'part_room' } : { kind: 'part_room', room: rest };
      case '/switch':
        if (rest.length === 0) return { kind: 'usage', command, usage: '/switch ROOM' };
        return { kind: 'switch_room', room: rest };
      case '/rooms':
        return { kind: 'rooms' };
      case '/who':
        return rest.length === 0 ? { kind: 'who' } : { kind: 'who', room: rest };
      case '/quit':
        return { kind: 'quit' };
      default:
        return { kind: 'unknown', command: word };
    }
  }

  return plainText === 'public' ? { kind: 'public', text } : { kind: 'missing_target' };
}
