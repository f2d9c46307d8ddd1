import { COMMAND_HELP, type Command, type Reply, usersReply } from './commands.js';
import { ChatError } from './errors.js';
import type { Member } from './member.js';

/**
 * Carries out a parsed command for `member`: the one place a command's effect lives (parsing
 * is in commands.ts, wording in each dialect). Everything but an empty line passes the member's
 * rate limit first. Throws or rejects with ChatError.
 */
export function runCommand(member: Member, command: Command): Promise<Reply> {
  if (command.kind === 'empty') return Promise.resolve({ kind: 'ignored' });
  member.admit();
  switch (command.kind) {
    case 'public':
      return member.sendPublic(command.text);
    case 'action':
      return member.sendPublic(command.text, true);
    case 'private':
      return member.sendPrivate(command.to, command.text);
    case 'people':
      return Promise.resolve({ kind: 'people', names: member.others() });
    case 'users': {
      const reply = usersReply(member.users(), command.page, member.limits.usersPageSize);
      if (typeof reply === 'string') throw new ChatError('bad_request', `Usage: ${reply}`);
      return Promise.resolve(reply);
    }
    case 'history':
      return Promise.resolve({ kind: 'history', events: member.history(command.count) });
    case 'help':
      return Promise.resolve({ kind: 'help', commands: COMMAND_HELP });
    case 'nick':
      return member.renameAdmitted(command.name);
    case 'quit':
      return member.leave('quit').then(() => ({ kind: 'quit' }) as const);
    case 'unknown':
      throw new ChatError('unknown_command', `Unknown command: ${command.command}`);
    case 'usage':
      throw new ChatError('bad_request', `Usage: ${command.usage}`);
    case 'missing_target':
      throw new ChatError('target_required');
  }
}
