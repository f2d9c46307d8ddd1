import {
  COMMAND_HELP,
  type Command,
  FULL_COMMAND_HELP,
  type Reply,
  usersReply,
} from './commands.js';
import { ChatError } from './errors.js';
import type { Member } from './member.js';

/**
 * Carries out a parsed command for `member`: the one place a command's effect lives (parsing
 * is in commands.ts, wording in each dialect). Everything but an empty line passes the member's
 * rate limit first. Throws or rejects with ChatError.
 *
 * Input to a connection (its default-room member) acts in its current room; input to one of
 * its memberships elsewhere (an RPC room stub) acts in that room. Private messages, names and
 * rooms are the connection's.
 */
export function runCommand(member: Member, command: Command): Promise<Reply> {
  if (command.kind === 'empty') return Promise.resolve({ kind: 'ignored' });
  member.admit();
  const here = member.owner === undefined ? member.current : member;
  const connection = member.connection;
  switch (command.kind) {
    case 'public':
      return here.sendPublic(command.text);
    case 'action':
      return here.sendPublic(command.text, true);
    case 'private':
      return connection.sendPrivate(command.to, command.text);
    case 'people':
      return Promise.resolve({ kind: 'people', names: here.others() });
    case 'users': {
      const reply = usersReply(here.users(), command.page, here.limits.usersPageSize);
      if (typeof reply === 'string') throw new ChatError('bad_request', `Usage: ${reply}`);
      return Promise.resolve(reply);
    }
    case 'history':
      return Promise.resolve({ kind: 'history', events: here.history(command.count) });
    case 'help':
      return Promise.resolve({
        kind: 'help',
        commands: connection.roomsAllowed ? FULL_COMMAND_HELP : COMMAND_HELP,
      });
    case 'nick':
      return connection.renameAdmitted(command.name);
    case 'quit':
      return connection.leave('quit').then(() => ({ kind: 'quit' }) as const);
    case 'join_room':
      return connection.joinRoom(command.room);
    case 'part_room':
      return connection.partRoom(command.room ?? here.roomName);
    case 'switch_room':
      requireRooms(connection);
      return Promise.resolve(connection.switchRoom(command.room));
    case 'rooms':
      requireRooms(connection);
      return connection.rooms().then((rooms) => ({ kind: 'rooms', rooms }));
    case 'who':
      requireRooms(connection);
      return command.room === undefined ? here.who(here.roomName) : connection.who(command.room);
    case 'unknown':
      throw new ChatError('unknown_command', `Unknown command: ${command.command}`);
    case 'usage':
      throw new ChatError('bad_request', `Usage: ${command.usage}`);
    case 'missing_target':
      throw new ChatError('target_required');
  }
}

function requireRooms(connection: Member): void {
  if (!connection.roomsAllowed) {
    throw new ChatError('bad_request', 'This client stays in the default room.');
  }
}
