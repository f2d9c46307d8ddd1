import type { Member, Reply } from '@chatgate/core';
import type { SendResult } from '@chatgate/rpc-client';
import { RpcError, toRpcError } from './rpc-error.js';

/** A send's answer on the wire: `sent` with the room's timestamp, or `ignored` (empty text). */
export function sendResult(reply: Reply): SendResult {
  return reply.kind === 'sent'
    ? { status: 'sent', timestamp: reply.ts }
    : { status: 'ignored', timestamp: Date.now() };
}

/** `sendMessage(text)` for `member` (the seed calls): a public message, no command parsing. */
export async function sendMessageAs(member: Member, text: unknown): Promise<SendResult> {
  if (typeof text !== 'string') throw new RpcError('bad_request', 'The text must be a string');
  try {
    return sendResult(await member.say(text));
  } catch (err) {
    throw toRpcError(err, member.log);
  }
}
